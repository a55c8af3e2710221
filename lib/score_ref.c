/*
 * score_ref.c - the reference readings (docs/scoring.md, "Reference readings"):
 * for each scorer that has one, the verdict VLMEvalKit's exact-matching code
 * (commit e8e78f05) gives the same reply, kept beside vlmeter's own reading.
 * This file owns:
 *   - the Python text semantics those rules rest on: str.isspace() and
 *     str.split(), str.lower() and the length of str.upper() over all of
 *     Unicode (tables below, Unicode 14.0 as in Python 3.11), re's \d (Unicode
 *     decimal digits), float() (signs, exponents, underscores, inf/nan, any
 *     script's digits);
 *   - pandas' reading of a prediction cell ("", "None", "NA" ... become "nan");
 *   - the rules: can_infer (choice, open), YOrN_Extraction (yesno),
 *     process_answer and the leave-one-out VQA accuracy (vqa), anls_compute
 *     (anls), relaxed_correctness (relaxed), OCRBench's substring rule
 *     (substring).
 * The rules were written from their documented behaviour (docs/scoring.md);
 * the tests check them against VLMEvalKit's own functions.
 */
#include "score_ref.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* ================================================================ Unicode tables */

/* Generated from Python 3.11's unicodedata (Unicode 14.0):
 *   ND_ZERO:    every c with unicodedata.decimal(chr(c)) == 0 (each starts a run of ten);
 *   LOWER:      runs over which chr(c).lower() is c + delta for every step-th c
 *               (U+0130 is the one code point whose lower() is two: i + U+0307, and
 *               Σ becomes ς at the end of a word: final_sigma);
 *   CASE_KIND:  below;
 *   UPPER_LONG: runs of code points whose upper() is n code points long (ß -> SS). */
// clang-format off
static const uint32_t ND_ZERO[] = {
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0,
    0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0,
    0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60,
    0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0
};

static const struct case_run { uint32_t lo, hi; int32_t delta; uint8_t step; } LOWER[] = {
    {0x41, 0x5A, 32, 1}, {0xC0, 0xD6, 32, 1}, {0xD8, 0xDE, 32, 1}, {0x100, 0x12E, 1, 2}, {0x132, 0x136, 1, 2},
    {0x139, 0x147, 1, 2}, {0x14A, 0x176, 1, 2}, {0x178, 0x178, -121, 1}, {0x179, 0x17D, 1, 2}, {0x181, 0x181, 210, 1},
    {0x182, 0x184, 1, 2}, {0x186, 0x186, 206, 1}, {0x187, 0x187, 1, 1}, {0x189, 0x18A, 205, 1}, {0x18B, 0x18B, 1, 1},
    {0x18E, 0x18E, 79, 1}, {0x18F, 0x18F, 202, 1}, {0x190, 0x190, 203, 1}, {0x191, 0x191, 1, 1},
    {0x193, 0x193, 205, 1}, {0x194, 0x194, 207, 1}, {0x196, 0x196, 211, 1}, {0x197, 0x197, 209, 1},
    {0x198, 0x198, 1, 1}, {0x19C, 0x19C, 211, 1}, {0x19D, 0x19D, 213, 1}, {0x19F, 0x19F, 214, 1},
    {0x1A0, 0x1A4, 1, 2}, {0x1A6, 0x1A6, 218, 1}, {0x1A7, 0x1A7, 1, 1}, {0x1A9, 0x1A9, 218, 1}, {0x1AC, 0x1AC, 1, 1},
    {0x1AE, 0x1AE, 218, 1}, {0x1AF, 0x1AF, 1, 1}, {0x1B1, 0x1B2, 217, 1}, {0x1B3, 0x1B5, 1, 2},
    {0x1B7, 0x1B7, 219, 1}, {0x1B8, 0x1B8, 1, 1}, {0x1BC, 0x1BC, 1, 1}, {0x1C4, 0x1C4, 2, 1}, {0x1C5, 0x1C5, 1, 1},
    {0x1C7, 0x1C7, 2, 1}, {0x1C8, 0x1C8, 1, 1}, {0x1CA, 0x1CA, 2, 1}, {0x1CB, 0x1DB, 1, 2}, {0x1DE, 0x1EE, 1, 2},
    {0x1F1, 0x1F1, 2, 1}, {0x1F2, 0x1F4, 1, 2}, {0x1F6, 0x1F6, -97, 1}, {0x1F7, 0x1F7, -56, 1}, {0x1F8, 0x21E, 1, 2},
    {0x220, 0x220, -130, 1}, {0x222, 0x232, 1, 2}, {0x23A, 0x23A, 10795, 1}, {0x23B, 0x23B, 1, 1},
    {0x23D, 0x23D, -163, 1}, {0x23E, 0x23E, 10792, 1}, {0x241, 0x241, 1, 1}, {0x243, 0x243, -195, 1},
    {0x244, 0x244, 69, 1}, {0x245, 0x245, 71, 1}, {0x246, 0x24E, 1, 2}, {0x370, 0x372, 1, 2}, {0x376, 0x376, 1, 1},
    {0x37F, 0x37F, 116, 1}, {0x386, 0x386, 38, 1}, {0x388, 0x38A, 37, 1}, {0x38C, 0x38C, 64, 1},
    {0x38E, 0x38F, 63, 1}, {0x391, 0x3A1, 32, 1}, {0x3A3, 0x3AB, 32, 1}, {0x3CF, 0x3CF, 8, 1}, {0x3D8, 0x3EE, 1, 2},
    {0x3F4, 0x3F4, -60, 1}, {0x3F7, 0x3F7, 1, 1}, {0x3F9, 0x3F9, -7, 1}, {0x3FA, 0x3FA, 1, 1},
    {0x3FD, 0x3FF, -130, 1}, {0x400, 0x40F, 80, 1}, {0x410, 0x42F, 32, 1}, {0x460, 0x480, 1, 2}, {0x48A, 0x4BE, 1, 2},
    {0x4C0, 0x4C0, 15, 1}, {0x4C1, 0x4CD, 1, 2}, {0x4D0, 0x52E, 1, 2}, {0x531, 0x556, 48, 1},
    {0x10A0, 0x10C5, 7264, 1}, {0x10C7, 0x10C7, 7264, 1}, {0x10CD, 0x10CD, 7264, 1}, {0x13A0, 0x13EF, 38864, 1},
    {0x13F0, 0x13F5, 8, 1}, {0x1C90, 0x1CBA, -3008, 1}, {0x1CBD, 0x1CBF, -3008, 1}, {0x1E00, 0x1E94, 1, 2},
    {0x1E9E, 0x1E9E, -7615, 1}, {0x1EA0, 0x1EFE, 1, 2}, {0x1F08, 0x1F0F, -8, 1}, {0x1F18, 0x1F1D, -8, 1},
    {0x1F28, 0x1F2F, -8, 1}, {0x1F38, 0x1F3F, -8, 1}, {0x1F48, 0x1F4D, -8, 1}, {0x1F59, 0x1F5F, -8, 2},
    {0x1F68, 0x1F6F, -8, 1}, {0x1F88, 0x1F8F, -8, 1}, {0x1F98, 0x1F9F, -8, 1}, {0x1FA8, 0x1FAF, -8, 1},
    {0x1FB8, 0x1FB9, -8, 1}, {0x1FBA, 0x1FBB, -74, 1}, {0x1FBC, 0x1FBC, -9, 1}, {0x1FC8, 0x1FCB, -86, 1},
    {0x1FCC, 0x1FCC, -9, 1}, {0x1FD8, 0x1FD9, -8, 1}, {0x1FDA, 0x1FDB, -100, 1}, {0x1FE8, 0x1FE9, -8, 1},
    {0x1FEA, 0x1FEB, -112, 1}, {0x1FEC, 0x1FEC, -7, 1}, {0x1FF8, 0x1FF9, -128, 1}, {0x1FFA, 0x1FFB, -126, 1},
    {0x1FFC, 0x1FFC, -9, 1}, {0x2126, 0x2126, -7517, 1}, {0x212A, 0x212A, -8383, 1}, {0x212B, 0x212B, -8262, 1},
    {0x2132, 0x2132, 28, 1}, {0x2160, 0x216F, 16, 1}, {0x2183, 0x2183, 1, 1}, {0x24B6, 0x24CF, 26, 1},
    {0x2C00, 0x2C2F, 48, 1}, {0x2C60, 0x2C60, 1, 1}, {0x2C62, 0x2C62, -10743, 1}, {0x2C63, 0x2C63, -3814, 1},
    {0x2C64, 0x2C64, -10727, 1}, {0x2C67, 0x2C6B, 1, 2}, {0x2C6D, 0x2C6D, -10780, 1}, {0x2C6E, 0x2C6E, -10749, 1},
    {0x2C6F, 0x2C6F, -10783, 1}, {0x2C70, 0x2C70, -10782, 1}, {0x2C72, 0x2C72, 1, 1}, {0x2C75, 0x2C75, 1, 1},
    {0x2C7E, 0x2C7F, -10815, 1}, {0x2C80, 0x2CE2, 1, 2}, {0x2CEB, 0x2CED, 1, 2}, {0x2CF2, 0x2CF2, 1, 1},
    {0xA640, 0xA66C, 1, 2}, {0xA680, 0xA69A, 1, 2}, {0xA722, 0xA72E, 1, 2}, {0xA732, 0xA76E, 1, 2},
    {0xA779, 0xA77B, 1, 2}, {0xA77D, 0xA77D, -35332, 1}, {0xA77E, 0xA786, 1, 2}, {0xA78B, 0xA78B, 1, 1},
    {0xA78D, 0xA78D, -42280, 1}, {0xA790, 0xA792, 1, 2}, {0xA796, 0xA7A8, 1, 2}, {0xA7AA, 0xA7AA, -42308, 1},
    {0xA7AB, 0xA7AB, -42319, 1}, {0xA7AC, 0xA7AC, -42315, 1}, {0xA7AD, 0xA7AD, -42305, 1},
    {0xA7AE, 0xA7AE, -42308, 1}, {0xA7B0, 0xA7B0, -42258, 1}, {0xA7B1, 0xA7B1, -42282, 1},
    {0xA7B2, 0xA7B2, -42261, 1}, {0xA7B3, 0xA7B3, 928, 1}, {0xA7B4, 0xA7C2, 1, 2}, {0xA7C4, 0xA7C4, -48, 1},
    {0xA7C5, 0xA7C5, -42307, 1}, {0xA7C6, 0xA7C6, -35384, 1}, {0xA7C7, 0xA7C9, 1, 2}, {0xA7D0, 0xA7D0, 1, 1},
    {0xA7D6, 0xA7D8, 1, 2}, {0xA7F5, 0xA7F5, 1, 1}, {0xFF21, 0xFF3A, 32, 1}, {0x10400, 0x10427, 40, 1},
    {0x104B0, 0x104D3, 40, 1}, {0x10570, 0x1057A, 39, 1}, {0x1057C, 0x1058A, 39, 1}, {0x1058C, 0x10592, 39, 1},
    {0x10594, 0x10595, 39, 1}, {0x10C80, 0x10CB2, 64, 1}, {0x118A0, 0x118BF, 32, 1}, {0x16E40, 0x16E5F, 32, 1},
    {0x1E900, 0x1E921, 34, 1},
};

/* CASE_KIND: runs of code points that Python's final-sigma rule skips (1:
 * case-ignorable) or counts as cased letters (2); read from where lower() of
 * 'A' + c + 'Σ' and of c + 'Σ' ends in ς. */
static const struct { uint32_t lo, hi; uint8_t kind; } CASE_KIND[] = {
    {0x27, 0x27, 1}, {0x2E, 0x2E, 1}, {0x3A, 0x3A, 1}, {0x41, 0x5A, 2}, {0x5E, 0x5E, 1}, {0x60, 0x60, 1},
    {0x61, 0x7A, 2}, {0xA8, 0xA8, 1}, {0xAA, 0xAA, 2}, {0xAD, 0xAD, 1}, {0xAF, 0xAF, 1}, {0xB4, 0xB4, 1},
    {0xB5, 0xB5, 2}, {0xB7, 0xB8, 1}, {0xBA, 0xBA, 2}, {0xC0, 0xD6, 2}, {0xD8, 0xF6, 2}, {0xF8, 0x1BA, 2},
    {0x1BC, 0x1BF, 2}, {0x1C4, 0x293, 2}, {0x295, 0x2AF, 2}, {0x2B0, 0x36F, 1}, {0x370, 0x373, 2}, {0x374, 0x375, 1},
    {0x376, 0x377, 2}, {0x37A, 0x37A, 1}, {0x37B, 0x37D, 2}, {0x37F, 0x37F, 2}, {0x384, 0x385, 1}, {0x386, 0x386, 2},
    {0x387, 0x387, 1}, {0x388, 0x38A, 2}, {0x38C, 0x38C, 2}, {0x38E, 0x3A1, 2}, {0x3A3, 0x3F5, 2}, {0x3F7, 0x481, 2},
    {0x483, 0x489, 1}, {0x48A, 0x52F, 2}, {0x531, 0x556, 2}, {0x559, 0x559, 1}, {0x55F, 0x55F, 1}, {0x560, 0x588, 2},
    {0x591, 0x5BD, 1}, {0x5BF, 0x5BF, 1}, {0x5C1, 0x5C2, 1}, {0x5C4, 0x5C5, 1}, {0x5C7, 0x5C7, 1}, {0x5F4, 0x5F4, 1},
    {0x600, 0x605, 1}, {0x610, 0x61A, 1}, {0x61C, 0x61C, 1}, {0x640, 0x640, 1}, {0x64B, 0x65F, 1}, {0x670, 0x670, 1},
    {0x6D6, 0x6DD, 1}, {0x6DF, 0x6E8, 1}, {0x6EA, 0x6ED, 1}, {0x70F, 0x70F, 1}, {0x711, 0x711, 1}, {0x730, 0x74A, 1},
    {0x7A6, 0x7B0, 1}, {0x7EB, 0x7F5, 1}, {0x7FA, 0x7FA, 1}, {0x7FD, 0x7FD, 1}, {0x816, 0x82D, 1}, {0x859, 0x85B, 1},
    {0x888, 0x888, 1}, {0x890, 0x891, 1}, {0x898, 0x89F, 1}, {0x8C9, 0x902, 1}, {0x93A, 0x93A, 1}, {0x93C, 0x93C, 1},
    {0x941, 0x948, 1}, {0x94D, 0x94D, 1}, {0x951, 0x957, 1}, {0x962, 0x963, 1}, {0x971, 0x971, 1}, {0x981, 0x981, 1},
    {0x9BC, 0x9BC, 1}, {0x9C1, 0x9C4, 1}, {0x9CD, 0x9CD, 1}, {0x9E2, 0x9E3, 1}, {0x9FE, 0x9FE, 1}, {0xA01, 0xA02, 1},
    {0xA3C, 0xA3C, 1}, {0xA41, 0xA42, 1}, {0xA47, 0xA48, 1}, {0xA4B, 0xA4D, 1}, {0xA51, 0xA51, 1}, {0xA70, 0xA71, 1},
    {0xA75, 0xA75, 1}, {0xA81, 0xA82, 1}, {0xABC, 0xABC, 1}, {0xAC1, 0xAC5, 1}, {0xAC7, 0xAC8, 1}, {0xACD, 0xACD, 1},
    {0xAE2, 0xAE3, 1}, {0xAFA, 0xAFF, 1}, {0xB01, 0xB01, 1}, {0xB3C, 0xB3C, 1}, {0xB3F, 0xB3F, 1}, {0xB41, 0xB44, 1},
    {0xB4D, 0xB4D, 1}, {0xB55, 0xB56, 1}, {0xB62, 0xB63, 1}, {0xB82, 0xB82, 1}, {0xBC0, 0xBC0, 1}, {0xBCD, 0xBCD, 1},
    {0xC00, 0xC00, 1}, {0xC04, 0xC04, 1}, {0xC3C, 0xC3C, 1}, {0xC3E, 0xC40, 1}, {0xC46, 0xC48, 1}, {0xC4A, 0xC4D, 1},
    {0xC55, 0xC56, 1}, {0xC62, 0xC63, 1}, {0xC81, 0xC81, 1}, {0xCBC, 0xCBC, 1}, {0xCBF, 0xCBF, 1}, {0xCC6, 0xCC6, 1},
    {0xCCC, 0xCCD, 1}, {0xCE2, 0xCE3, 1}, {0xD00, 0xD01, 1}, {0xD3B, 0xD3C, 1}, {0xD41, 0xD44, 1}, {0xD4D, 0xD4D, 1},
    {0xD62, 0xD63, 1}, {0xD81, 0xD81, 1}, {0xDCA, 0xDCA, 1}, {0xDD2, 0xDD4, 1}, {0xDD6, 0xDD6, 1}, {0xE31, 0xE31, 1},
    {0xE34, 0xE3A, 1}, {0xE46, 0xE4E, 1}, {0xEB1, 0xEB1, 1}, {0xEB4, 0xEBC, 1}, {0xEC6, 0xEC6, 1}, {0xEC8, 0xECD, 1},
    {0xF18, 0xF19, 1}, {0xF35, 0xF35, 1}, {0xF37, 0xF37, 1}, {0xF39, 0xF39, 1}, {0xF71, 0xF7E, 1}, {0xF80, 0xF84, 1},
    {0xF86, 0xF87, 1}, {0xF8D, 0xF97, 1}, {0xF99, 0xFBC, 1}, {0xFC6, 0xFC6, 1}, {0x102D, 0x1030, 1},
    {0x1032, 0x1037, 1}, {0x1039, 0x103A, 1}, {0x103D, 0x103E, 1}, {0x1058, 0x1059, 1}, {0x105E, 0x1060, 1},
    {0x1071, 0x1074, 1}, {0x1082, 0x1082, 1}, {0x1085, 0x1086, 1}, {0x108D, 0x108D, 1}, {0x109D, 0x109D, 1},
    {0x10A0, 0x10C5, 2}, {0x10C7, 0x10C7, 2}, {0x10CD, 0x10CD, 2}, {0x10D0, 0x10FA, 2}, {0x10FC, 0x10FC, 1},
    {0x10FD, 0x10FF, 2}, {0x135D, 0x135F, 1}, {0x13A0, 0x13F5, 2}, {0x13F8, 0x13FD, 2}, {0x1712, 0x1714, 1},
    {0x1732, 0x1733, 1}, {0x1752, 0x1753, 1}, {0x1772, 0x1773, 1}, {0x17B4, 0x17B5, 1}, {0x17B7, 0x17BD, 1},
    {0x17C6, 0x17C6, 1}, {0x17C9, 0x17D3, 1}, {0x17D7, 0x17D7, 1}, {0x17DD, 0x17DD, 1}, {0x180B, 0x180F, 1},
    {0x1843, 0x1843, 1}, {0x1885, 0x1886, 1}, {0x18A9, 0x18A9, 1}, {0x1920, 0x1922, 1}, {0x1927, 0x1928, 1},
    {0x1932, 0x1932, 1}, {0x1939, 0x193B, 1}, {0x1A17, 0x1A18, 1}, {0x1A1B, 0x1A1B, 1}, {0x1A56, 0x1A56, 1},
    {0x1A58, 0x1A5E, 1}, {0x1A60, 0x1A60, 1}, {0x1A62, 0x1A62, 1}, {0x1A65, 0x1A6C, 1}, {0x1A73, 0x1A7C, 1},
    {0x1A7F, 0x1A7F, 1}, {0x1AA7, 0x1AA7, 1}, {0x1AB0, 0x1ACE, 1}, {0x1B00, 0x1B03, 1}, {0x1B34, 0x1B34, 1},
    {0x1B36, 0x1B3A, 1}, {0x1B3C, 0x1B3C, 1}, {0x1B42, 0x1B42, 1}, {0x1B6B, 0x1B73, 1}, {0x1B80, 0x1B81, 1},
    {0x1BA2, 0x1BA5, 1}, {0x1BA8, 0x1BA9, 1}, {0x1BAB, 0x1BAD, 1}, {0x1BE6, 0x1BE6, 1}, {0x1BE8, 0x1BE9, 1},
    {0x1BED, 0x1BED, 1}, {0x1BEF, 0x1BF1, 1}, {0x1C2C, 0x1C33, 1}, {0x1C36, 0x1C37, 1}, {0x1C78, 0x1C7D, 1},
    {0x1C80, 0x1C88, 2}, {0x1C90, 0x1CBA, 2}, {0x1CBD, 0x1CBF, 2}, {0x1CD0, 0x1CD2, 1}, {0x1CD4, 0x1CE0, 1},
    {0x1CE2, 0x1CE8, 1}, {0x1CED, 0x1CED, 1}, {0x1CF4, 0x1CF4, 1}, {0x1CF8, 0x1CF9, 1}, {0x1D00, 0x1D2B, 2},
    {0x1D2C, 0x1D6A, 1}, {0x1D6B, 0x1D77, 2}, {0x1D78, 0x1D78, 1}, {0x1D79, 0x1D9A, 2}, {0x1D9B, 0x1DFF, 1},
    {0x1E00, 0x1F15, 2}, {0x1F18, 0x1F1D, 2}, {0x1F20, 0x1F45, 2}, {0x1F48, 0x1F4D, 2}, {0x1F50, 0x1F57, 2},
    {0x1F59, 0x1F59, 2}, {0x1F5B, 0x1F5B, 2}, {0x1F5D, 0x1F5D, 2}, {0x1F5F, 0x1F7D, 2}, {0x1F80, 0x1FB4, 2},
    {0x1FB6, 0x1FBC, 2}, {0x1FBD, 0x1FBD, 1}, {0x1FBE, 0x1FBE, 2}, {0x1FBF, 0x1FC1, 1}, {0x1FC2, 0x1FC4, 2},
    {0x1FC6, 0x1FCC, 2}, {0x1FCD, 0x1FCF, 1}, {0x1FD0, 0x1FD3, 2}, {0x1FD6, 0x1FDB, 2}, {0x1FDD, 0x1FDF, 1},
    {0x1FE0, 0x1FEC, 2}, {0x1FED, 0x1FEF, 1}, {0x1FF2, 0x1FF4, 2}, {0x1FF6, 0x1FFC, 2}, {0x1FFD, 0x1FFE, 1},
    {0x200B, 0x200F, 1}, {0x2018, 0x2019, 1}, {0x2024, 0x2024, 1}, {0x2027, 0x2027, 1}, {0x202A, 0x202E, 1},
    {0x2060, 0x2064, 1}, {0x2066, 0x206F, 1}, {0x2071, 0x2071, 1}, {0x207F, 0x207F, 1}, {0x2090, 0x209C, 1},
    {0x20D0, 0x20F0, 1}, {0x2102, 0x2102, 2}, {0x2107, 0x2107, 2}, {0x210A, 0x2113, 2}, {0x2115, 0x2115, 2},
    {0x2119, 0x211D, 2}, {0x2124, 0x2124, 2}, {0x2126, 0x2126, 2}, {0x2128, 0x2128, 2}, {0x212A, 0x212D, 2},
    {0x212F, 0x2134, 2}, {0x2139, 0x2139, 2}, {0x213C, 0x213F, 2}, {0x2145, 0x2149, 2}, {0x214E, 0x214E, 2},
    {0x2160, 0x217F, 2}, {0x2183, 0x2184, 2}, {0x24B6, 0x24E9, 2}, {0x2C00, 0x2C7B, 2}, {0x2C7C, 0x2C7D, 1},
    {0x2C7E, 0x2CE4, 2}, {0x2CEB, 0x2CEE, 2}, {0x2CEF, 0x2CF1, 1}, {0x2CF2, 0x2CF3, 2}, {0x2D00, 0x2D25, 2},
    {0x2D27, 0x2D27, 2}, {0x2D2D, 0x2D2D, 2}, {0x2D6F, 0x2D6F, 1}, {0x2D7F, 0x2D7F, 1}, {0x2DE0, 0x2DFF, 1},
    {0x2E2F, 0x2E2F, 1}, {0x3005, 0x3005, 1}, {0x302A, 0x302D, 1}, {0x3031, 0x3035, 1}, {0x303B, 0x303B, 1},
    {0x3099, 0x309E, 1}, {0x30FC, 0x30FE, 1}, {0xA015, 0xA015, 1}, {0xA4F8, 0xA4FD, 1}, {0xA60C, 0xA60C, 1},
    {0xA640, 0xA66D, 2}, {0xA66F, 0xA672, 1}, {0xA674, 0xA67D, 1}, {0xA67F, 0xA67F, 1}, {0xA680, 0xA69B, 2},
    {0xA69C, 0xA69F, 1}, {0xA6F0, 0xA6F1, 1}, {0xA700, 0xA721, 1}, {0xA722, 0xA76F, 2}, {0xA770, 0xA770, 1},
    {0xA771, 0xA787, 2}, {0xA788, 0xA78A, 1}, {0xA78B, 0xA78E, 2}, {0xA790, 0xA7CA, 2}, {0xA7D0, 0xA7D1, 2},
    {0xA7D3, 0xA7D3, 2}, {0xA7D5, 0xA7D9, 2}, {0xA7F2, 0xA7F4, 1}, {0xA7F5, 0xA7F6, 2}, {0xA7F8, 0xA7F9, 1},
    {0xA7FA, 0xA7FA, 2}, {0xA802, 0xA802, 1}, {0xA806, 0xA806, 1}, {0xA80B, 0xA80B, 1}, {0xA825, 0xA826, 1},
    {0xA82C, 0xA82C, 1}, {0xA8C4, 0xA8C5, 1}, {0xA8E0, 0xA8F1, 1}, {0xA8FF, 0xA8FF, 1}, {0xA926, 0xA92D, 1},
    {0xA947, 0xA951, 1}, {0xA980, 0xA982, 1}, {0xA9B3, 0xA9B3, 1}, {0xA9B6, 0xA9B9, 1}, {0xA9BC, 0xA9BD, 1},
    {0xA9CF, 0xA9CF, 1}, {0xA9E5, 0xA9E6, 1}, {0xAA29, 0xAA2E, 1}, {0xAA31, 0xAA32, 1}, {0xAA35, 0xAA36, 1},
    {0xAA43, 0xAA43, 1}, {0xAA4C, 0xAA4C, 1}, {0xAA70, 0xAA70, 1}, {0xAA7C, 0xAA7C, 1}, {0xAAB0, 0xAAB0, 1},
    {0xAAB2, 0xAAB4, 1}, {0xAAB7, 0xAAB8, 1}, {0xAABE, 0xAABF, 1}, {0xAAC1, 0xAAC1, 1}, {0xAADD, 0xAADD, 1},
    {0xAAEC, 0xAAED, 1}, {0xAAF3, 0xAAF4, 1}, {0xAAF6, 0xAAF6, 1}, {0xAB30, 0xAB5A, 2}, {0xAB5B, 0xAB5F, 1},
    {0xAB60, 0xAB68, 2}, {0xAB69, 0xAB6B, 1}, {0xAB70, 0xABBF, 2}, {0xABE5, 0xABE5, 1}, {0xABE8, 0xABE8, 1},
    {0xABED, 0xABED, 1}, {0xFB00, 0xFB06, 2}, {0xFB13, 0xFB17, 2}, {0xFB1E, 0xFB1E, 1}, {0xFBB2, 0xFBC2, 1},
    {0xFE00, 0xFE0F, 1}, {0xFE13, 0xFE13, 1}, {0xFE20, 0xFE2F, 1}, {0xFE52, 0xFE52, 1}, {0xFE55, 0xFE55, 1},
    {0xFEFF, 0xFEFF, 1}, {0xFF07, 0xFF07, 1}, {0xFF0E, 0xFF0E, 1}, {0xFF1A, 0xFF1A, 1}, {0xFF21, 0xFF3A, 2},
    {0xFF3E, 0xFF3E, 1}, {0xFF40, 0xFF40, 1}, {0xFF41, 0xFF5A, 2}, {0xFF70, 0xFF70, 1}, {0xFF9E, 0xFF9F, 1},
    {0xFFE3, 0xFFE3, 1}, {0xFFF9, 0xFFFB, 1}, {0x101FD, 0x101FD, 1}, {0x102E0, 0x102E0, 1}, {0x10376, 0x1037A, 1},
    {0x10400, 0x1044F, 2}, {0x104B0, 0x104D3, 2}, {0x104D8, 0x104FB, 2}, {0x10570, 0x1057A, 2}, {0x1057C, 0x1058A, 2},
    {0x1058C, 0x10592, 2}, {0x10594, 0x10595, 2}, {0x10597, 0x105A1, 2}, {0x105A3, 0x105B1, 2}, {0x105B3, 0x105B9, 2},
    {0x105BB, 0x105BC, 2}, {0x10780, 0x10785, 1}, {0x10787, 0x107B0, 1}, {0x107B2, 0x107BA, 1}, {0x10A01, 0x10A03, 1},
    {0x10A05, 0x10A06, 1}, {0x10A0C, 0x10A0F, 1}, {0x10A38, 0x10A3A, 1}, {0x10A3F, 0x10A3F, 1}, {0x10AE5, 0x10AE6, 1},
    {0x10C80, 0x10CB2, 2}, {0x10CC0, 0x10CF2, 2}, {0x10D24, 0x10D27, 1}, {0x10EAB, 0x10EAC, 1}, {0x10F46, 0x10F50, 1},
    {0x10F82, 0x10F85, 1}, {0x11001, 0x11001, 1}, {0x11038, 0x11046, 1}, {0x11070, 0x11070, 1}, {0x11073, 0x11074, 1},
    {0x1107F, 0x11081, 1}, {0x110B3, 0x110B6, 1}, {0x110B9, 0x110BA, 1}, {0x110BD, 0x110BD, 1}, {0x110C2, 0x110C2, 1},
    {0x110CD, 0x110CD, 1}, {0x11100, 0x11102, 1}, {0x11127, 0x1112B, 1}, {0x1112D, 0x11134, 1}, {0x11173, 0x11173, 1},
    {0x11180, 0x11181, 1}, {0x111B6, 0x111BE, 1}, {0x111C9, 0x111CC, 1}, {0x111CF, 0x111CF, 1}, {0x1122F, 0x11231, 1},
    {0x11234, 0x11234, 1}, {0x11236, 0x11237, 1}, {0x1123E, 0x1123E, 1}, {0x112DF, 0x112DF, 1}, {0x112E3, 0x112EA, 1},
    {0x11300, 0x11301, 1}, {0x1133B, 0x1133C, 1}, {0x11340, 0x11340, 1}, {0x11366, 0x1136C, 1}, {0x11370, 0x11374, 1},
    {0x11438, 0x1143F, 1}, {0x11442, 0x11444, 1}, {0x11446, 0x11446, 1}, {0x1145E, 0x1145E, 1}, {0x114B3, 0x114B8, 1},
    {0x114BA, 0x114BA, 1}, {0x114BF, 0x114C0, 1}, {0x114C2, 0x114C3, 1}, {0x115B2, 0x115B5, 1}, {0x115BC, 0x115BD, 1},
    {0x115BF, 0x115C0, 1}, {0x115DC, 0x115DD, 1}, {0x11633, 0x1163A, 1}, {0x1163D, 0x1163D, 1}, {0x1163F, 0x11640, 1},
    {0x116AB, 0x116AB, 1}, {0x116AD, 0x116AD, 1}, {0x116B0, 0x116B5, 1}, {0x116B7, 0x116B7, 1}, {0x1171D, 0x1171F, 1},
    {0x11722, 0x11725, 1}, {0x11727, 0x1172B, 1}, {0x1182F, 0x11837, 1}, {0x11839, 0x1183A, 1}, {0x118A0, 0x118DF, 2},
    {0x1193B, 0x1193C, 1}, {0x1193E, 0x1193E, 1}, {0x11943, 0x11943, 1}, {0x119D4, 0x119D7, 1}, {0x119DA, 0x119DB, 1},
    {0x119E0, 0x119E0, 1}, {0x11A01, 0x11A0A, 1}, {0x11A33, 0x11A38, 1}, {0x11A3B, 0x11A3E, 1}, {0x11A47, 0x11A47, 1},
    {0x11A51, 0x11A56, 1}, {0x11A59, 0x11A5B, 1}, {0x11A8A, 0x11A96, 1}, {0x11A98, 0x11A99, 1}, {0x11C30, 0x11C36, 1},
    {0x11C38, 0x11C3D, 1}, {0x11C3F, 0x11C3F, 1}, {0x11C92, 0x11CA7, 1}, {0x11CAA, 0x11CB0, 1}, {0x11CB2, 0x11CB3, 1},
    {0x11CB5, 0x11CB6, 1}, {0x11D31, 0x11D36, 1}, {0x11D3A, 0x11D3A, 1}, {0x11D3C, 0x11D3D, 1}, {0x11D3F, 0x11D45, 1},
    {0x11D47, 0x11D47, 1}, {0x11D90, 0x11D91, 1}, {0x11D95, 0x11D95, 1}, {0x11D97, 0x11D97, 1}, {0x11EF3, 0x11EF4, 1},
    {0x13430, 0x13438, 1}, {0x16AF0, 0x16AF4, 1}, {0x16B30, 0x16B36, 1}, {0x16B40, 0x16B43, 1}, {0x16E40, 0x16E7F, 2},
    {0x16F4F, 0x16F4F, 1}, {0x16F8F, 0x16F9F, 1}, {0x16FE0, 0x16FE1, 1}, {0x16FE3, 0x16FE4, 1}, {0x1AFF0, 0x1AFF3, 1},
    {0x1AFF5, 0x1AFFB, 1}, {0x1AFFD, 0x1AFFE, 1}, {0x1BC9D, 0x1BC9E, 1}, {0x1BCA0, 0x1BCA3, 1}, {0x1CF00, 0x1CF2D, 1},
    {0x1CF30, 0x1CF46, 1}, {0x1D167, 0x1D169, 1}, {0x1D173, 0x1D182, 1}, {0x1D185, 0x1D18B, 1}, {0x1D1AA, 0x1D1AD, 1},
    {0x1D242, 0x1D244, 1}, {0x1D400, 0x1D454, 2}, {0x1D456, 0x1D49C, 2}, {0x1D49E, 0x1D49F, 2}, {0x1D4A2, 0x1D4A2, 2},
    {0x1D4A5, 0x1D4A6, 2}, {0x1D4A9, 0x1D4AC, 2}, {0x1D4AE, 0x1D4B9, 2}, {0x1D4BB, 0x1D4BB, 2}, {0x1D4BD, 0x1D4C3, 2},
    {0x1D4C5, 0x1D505, 2}, {0x1D507, 0x1D50A, 2}, {0x1D50D, 0x1D514, 2}, {0x1D516, 0x1D51C, 2}, {0x1D51E, 0x1D539, 2},
    {0x1D53B, 0x1D53E, 2}, {0x1D540, 0x1D544, 2}, {0x1D546, 0x1D546, 2}, {0x1D54A, 0x1D550, 2}, {0x1D552, 0x1D6A5, 2},
    {0x1D6A8, 0x1D6C0, 2}, {0x1D6C2, 0x1D6DA, 2}, {0x1D6DC, 0x1D6FA, 2}, {0x1D6FC, 0x1D714, 2}, {0x1D716, 0x1D734, 2},
    {0x1D736, 0x1D74E, 2}, {0x1D750, 0x1D76E, 2}, {0x1D770, 0x1D788, 2}, {0x1D78A, 0x1D7A8, 2}, {0x1D7AA, 0x1D7C2, 2},
    {0x1D7C4, 0x1D7CB, 2}, {0x1DA00, 0x1DA36, 1}, {0x1DA3B, 0x1DA6C, 1}, {0x1DA75, 0x1DA75, 1}, {0x1DA84, 0x1DA84, 1},
    {0x1DA9B, 0x1DA9F, 1}, {0x1DAA1, 0x1DAAF, 1}, {0x1DF00, 0x1DF09, 2}, {0x1DF0B, 0x1DF1E, 2}, {0x1E000, 0x1E006, 1},
    {0x1E008, 0x1E018, 1}, {0x1E01B, 0x1E021, 1}, {0x1E023, 0x1E024, 1}, {0x1E026, 0x1E02A, 1}, {0x1E130, 0x1E13D, 1},
    {0x1E2AE, 0x1E2AE, 1}, {0x1E2EC, 0x1E2EF, 1}, {0x1E8D0, 0x1E8D6, 1}, {0x1E900, 0x1E943, 2}, {0x1E944, 0x1E94B, 1},
    {0x1F130, 0x1F149, 2}, {0x1F150, 0x1F169, 2}, {0x1F170, 0x1F189, 2}, {0x1F3FB, 0x1F3FF, 1}, {0xE0001, 0xE0001, 1},
    {0xE0020, 0xE007F, 1}, {0xE0100, 0xE01EF, 1},
};

static const struct { uint32_t lo, hi; uint8_t n; } UPPER_LONG[] = {
    {0xDF, 0xDF, 2}, {0x149, 0x149, 2}, {0x1F0, 0x1F0, 2}, {0x390, 0x390, 3}, {0x3B0, 0x3B0, 3}, {0x587, 0x587, 2},
    {0x1E96, 0x1E9A, 2}, {0x1F50, 0x1F50, 2}, {0x1F52, 0x1F52, 3}, {0x1F54, 0x1F54, 3}, {0x1F56, 0x1F56, 3},
    {0x1F80, 0x1FAF, 2}, {0x1FB2, 0x1FB4, 2}, {0x1FB6, 0x1FB6, 2}, {0x1FB7, 0x1FB7, 3}, {0x1FBC, 0x1FBC, 2},
    {0x1FC2, 0x1FC4, 2}, {0x1FC6, 0x1FC6, 2}, {0x1FC7, 0x1FC7, 3}, {0x1FCC, 0x1FCC, 2}, {0x1FD2, 0x1FD3, 3},
    {0x1FD6, 0x1FD6, 2}, {0x1FD7, 0x1FD7, 3}, {0x1FE2, 0x1FE3, 3}, {0x1FE4, 0x1FE4, 2}, {0x1FE6, 0x1FE6, 2},
    {0x1FE7, 0x1FE7, 3}, {0x1FF2, 0x1FF4, 2}, {0x1FF6, 0x1FF6, 2}, {0x1FF7, 0x1FF7, 3}, {0x1FFC, 0x1FFC, 2},
    {0xFB00, 0xFB02, 2}, {0xFB03, 0xFB04, 3}, {0xFB05, 0xFB06, 2}, {0xFB13, 0xFB17, 2},
};
// clang-format on

#define COUNT(a) (sizeof(a) / sizeof(a)[0])

int score_ref_digit(uint32_t c) {
    if (c < 0x80) return c >= '0' && c <= '9' ? (int)(c - '0') : -1;
    size_t lo = 0, hi = COUNT(ND_ZERO); /* the last start <= c */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (ND_ZERO[mid] <= c) lo = mid;
        else hi = mid;
    }
    return c - ND_ZERO[lo] < 10 ? (int)(c - ND_ZERO[lo]) : -1;
}

bool score_ref_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* chr(c).lower() for every c but U+0130. */
static uint32_t py_lower1(uint32_t c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
    size_t lo = 0, hi = COUNT(LOWER);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (LOWER[mid].hi < c) lo = mid + 1;
        else hi = mid;
    }
    if (lo == COUNT(LOWER) || c < LOWER[lo].lo || (c - LOWER[lo].lo) % LOWER[lo].step) return c;
    return (uint32_t)((int32_t)c + LOWER[lo].delta);
}

enum { CASE_OTHER, CASE_IGNORABLE, CASE_CASED };

static int case_kind(uint32_t c) {
    size_t lo = 0, hi = COUNT(CASE_KIND);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (CASE_KIND[mid].hi < c) lo = mid + 1;
        else hi = mid;
    }
    return lo < COUNT(CASE_KIND) && c >= CASE_KIND[lo].lo ? CASE_KIND[lo].kind : CASE_OTHER;
}

/* len(chr(c).upper()). */
static int py_upper_len1(uint32_t c) {
    if (c < 0xDF) return 1;
    for (size_t i = 0; i < COUNT(UPPER_LONG); i++)
        if (c >= UPPER_LONG[i].lo && c <= UPPER_LONG[i].hi) return UPPER_LONG[i].n;
    return 1;
}

/* ================================================================ code point strings */

struct ustr {
    uint32_t *p;
    int n, cap;
};

static void us_put(struct ustr *u, uint32_t c) {
    util_grow((void **)&u->p, &u->cap, u->n + 1, sizeof *u->p);
    u->p[u->n++] = c;
}

/* s decoded from UTF-8 (a malformed byte is U+FFFD). */
static void us_set(struct ustr *u, const char *s) {
    size_t len = strlen(s);
    if (len > (1u << 28)) len = 1u << 28; /* a reply is never this long; stay in int */
    util_grow((void **)&u->p, &u->cap, (int)len + 1, sizeof *u->p);
    u->n = 0;
    for (size_t i = 0; i < len;) {
        int k;
        u->p[u->n++] = util_utf8_decode((const unsigned char *)s + i, len - i, &k);
        i += (size_t)k;
    }
}

static void us_copy(struct ustr *dst, const struct ustr *src) {
    util_grow((void **)&dst->p, &dst->cap, src->n + 1, sizeof *dst->p);
    if (src->n) memcpy(dst->p, src->p, (size_t)src->n * sizeof *src->p);
    dst->n = src->n;
}

static bool us_eq(const struct ustr *a, const struct ustr *b) {
    return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, (size_t)a->n * sizeof *a->p) == 0);
}

/* Whether the n code points of needle occur in hay (Python's `in`: "" is in everything). */
static bool us_has(const struct ustr *hay, const uint32_t *needle, int n) {
    for (int i = 0; i + n <= hay->n; i++)
        if (n == 0 || (hay->p[i] == needle[0] && memcmp(hay->p + i, needle, (size_t)n * sizeof *needle) == 0))
            return true;
    return false;
}

/* Whether ASCII text occurs in hay. */
static bool us_has_ascii(const struct ustr *hay, const char *text) {
    uint32_t buf[64];
    int n = 0;
    for (; text[n] && n < 64; n++) buf[n] = (unsigned char)text[n];
    return us_has(hay, buf, n);
}

/* ================================================================ Python's str methods */

/* Whether the Σ at s[i] ends a word for lower(): a cased letter before it and
 * none after it, case-ignorable characters (' . combining marks ...) skipped. */
static bool final_sigma(const struct ustr *s, int i) {
    int j = i - 1;
    while (j >= 0 && case_kind(s->p[j]) == CASE_IGNORABLE) j--;
    if (j < 0 || case_kind(s->p[j]) != CASE_CASED) return false;
    for (j = i + 1; j < s->n && case_kind(s->p[j]) == CASE_IGNORABLE; j++) {}
    return j == s->n || case_kind(s->p[j]) != CASE_CASED;
}

/* s.lower() */
static void py_lower(const struct ustr *s, struct ustr *out) {
    out->n = 0;
    for (int i = 0; i < s->n; i++) {
        if (s->p[i] == 0x3A3) {
            us_put(out, final_sigma(s, i) ? 0x3C2 : 0x3C3);
        } else if (s->p[i] == 0x130) { /* İ -> i + combining dot above */
            us_put(out, 'i');
            us_put(out, 0x307);
        } else {
            us_put(out, py_lower1(s->p[i]));
        }
    }
}

/* len(s.upper()) */
static int py_upper_len(const struct ustr *s) {
    int n = 0;
    for (int i = 0; i < s->n; i++) n += py_upper_len1(s->p[i]);
    return n;
}

/* s = s.strip() */
static void py_strip(struct ustr *s) {
    int a = 0, b = s->n;
    while (a < b && score_ref_space(s->p[a])) a++;
    while (b > a && score_ref_space(s->p[b - 1])) b--;
    if (a) memmove(s->p, s->p + a, (size_t)(b - a) * sizeof *s->p);
    s->n = b - a;
}

/* A word of s.split(): n code points at off. */
struct span {
    int off, n;
};

struct spans {
    struct span *v;
    int n, cap;
};

/* s.split() */
static void py_split(const struct ustr *s, struct spans *out) {
    out->n = 0;
    for (int i = 0; i < s->n;) {
        if (score_ref_space(s->p[i])) {
            i++;
            continue;
        }
        int start = i;
        while (i < s->n && !score_ref_space(s->p[i])) i++;
        util_grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v);
        out->v[out->n++] = (struct span){start, i - start};
    }
}

/* Whether word w of s is the ASCII text `text`. */
static bool word_is(const struct ustr *s, struct span w, const char *text) {
    size_t len = strlen(text);
    if ((size_t)w.n != len) return false;
    for (int i = 0; i < w.n; i++)
        if (s->p[w.off + i] != (unsigned char)text[i]) return false;
    return true;
}

/* Word w as ASCII text into buf, or false when it is not ASCII or too long. */
static bool word_ascii(const struct ustr *s, struct span w, char *buf, size_t len) {
    if ((size_t)w.n >= len) return false;
    for (int i = 0; i < w.n; i++) {
        if (s->p[w.off + i] >= 0x80) return false;
        buf[i] = (char)s->p[w.off + i];
    }
    buf[w.n] = '\0';
    return true;
}

/* What float(s) gives, false where it raises ValueError: ASCII kept, other
 * whitespace read as a space and other decimal digits as ASCII digits (any
 * other character fails); ASCII spacing at the ends ignored; then an optional
 * sign and inf, infinity or nan (any case), or digits with single underscores
 * between them, an optional point and fraction, an optional exponent. */
static bool py_float(const struct ustr *s, double *v) {
    char *t = xmalloc((size_t)s->n + 1);
    int n = 0;
    for (int i = 0; i < s->n; i++) {
        uint32_t c = s->p[i];
        int d = score_ref_digit(c);
        if (c < 0x80) t[n++] = (char)c;
        else if (score_ref_space(c)) t[n++] = ' ';
        else if (d >= 0) t[n++] = (char)('0' + d);
        else {
            free(t);
            return false;
        }
    }
    t[n] = '\0';
    char *p = t, *end = t + n;
    while (p < end && strchr(" \t\n\v\f\r", *p) && *p) p++;
    while (end > p && strchr(" \t\n\v\f\r", end[-1]) && end[-1]) end--;
    *end = '\0';
    bool neg = *p == '-';
    if (*p == '+' || *p == '-') p++;
    bool ok = false;
    if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
        *v = neg ? -INFINITY : INFINITY;
        ok = true;
    } else if (strcasecmp(p, "nan") == 0) {
        *v = NAN;
        ok = true;
    } else {
        /* digits, '.', exponent; '_' only between two digits; dropped for strtod */
        char *w = p, *q = p;
        int mant = 0, frac = 0, exp_digits = -1;
        bool point = false, good = true;
        for (; *q && good; q++) {
            char c = *q;
            if (c >= '0' && c <= '9') {
                if (exp_digits >= 0) exp_digits++;
                else if (point) frac++;
                else mant++;
                *w++ = c;
            } else if (c == '_') {
                good = q > p && q[-1] >= '0' && q[-1] <= '9' && q[1] >= '0' && q[1] <= '9';
            } else if (c == '.' && !point && exp_digits < 0) {
                point = true;
                *w++ = c;
            } else if ((c == 'e' || c == 'E') && exp_digits < 0 && mant + frac > 0) {
                exp_digits = 0;
                *w++ = c;
                if (q[1] == '+' || q[1] == '-') *w++ = *++q;
            } else {
                good = false;
            }
        }
        *w = '\0';
        ok = good && mant + frac > 0 && exp_digits != 0;
        if (ok) *v = strtod(p, NULL) * (neg ? -1 : 1);
    }
    free(t);
    return ok;
}

/* ================================================================ working buffers */

struct ref {
    const struct score_ref_in *in;
    struct vlm_score *out;
    struct ustr reply; /* the prediction cell as VLMEvalKit reads it */
    struct ustr a, b, c, d;
    struct spans words;
    int *row;
    int cap_row;
};

static void ref_free(struct ref *r) {
    free(r->reply.p);
    free(r->a.p);
    free(r->b.p);
    free(r->c.p);
    free(r->d.p);
    free(r->words.v);
    free(r->row);
}

static void ref_verdict(struct ref *r, double score, bool correct, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void ref_verdict(struct ref *r, double score, bool correct, const char *fmt, ...) {
    r->out->has_ref = true;
    r->out->ref_score = score;
    r->out->ref_correct = correct;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->out->ref_detail, sizeof r->out->ref_detail, fmt, ap);
    va_end(ap);
    util_utf8_trim_partial(r->out->ref_detail);
}

/* The reply as the prediction cell VLMEvalKit reads: pandas reads a missing
 * value, which VLMEvalKit then turns into the text "nan". */
static void read_cell(struct ref *r, const char *reply) {
    if (util_pandas_na(reply)) reply = "nan";
    us_set(&r->reply, reply);
}

/* ================================================================ expected answers */

/* The expected answers as text: a string, a number (as Python's str() writes
 * it: 4, 3.5, 1e+16, 2.0), or an array of them (nested arrays flattened); an
 * object's "answers" or "any" member. */
struct texts {
    char **v;
    int n, cap;
    bool math; /* substring: {"math": true} */
};

/* A float as Python's repr() writes it: the shortest digits that read back,
 * positional for exponents -4 to 15 (with ".0" when integral), else
 * scientific ("1e+16", "1.5e-05"). */
static void py_float_text(double x, char *buf, size_t len) {
    if (isnan(x) || isinf(x)) {
        snprintf(buf, len, "%s", isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
        return;
    }
    char sci[40], digits[24], out[64];
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, x);
        if (strtod(sci, NULL) == x) break;
    }
    snprintf(sci, sizeof sci, "%.*e", prec - 1, x);
    int e10 = atoi(strchr(sci, 'e') + 1), nd = 0, k = 0;
    for (const char *p = sci; *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (signbit(x)) out[k++] = '-';
    if (e10 < -4 || e10 >= 16) {
        out[k++] = digits[0];
        if (nd > 1) out[k++] = '.';
        for (int i = 1; i < nd; i++) out[k++] = digits[i];
        k += snprintf(out + k, sizeof out - (size_t)k, "e%c%02d", e10 < 0 ? '-' : '+', abs(e10));
    } else if (e10 < 0) {
        out[k++] = '0';
        out[k++] = '.';
        for (int i = -1; i > e10; i--) out[k++] = '0';
        for (int i = 0; i < nd; i++) out[k++] = digits[i];
    } else {
        for (int i = 0; i <= e10; i++) out[k++] = i < nd ? digits[i] : '0';
        out[k++] = '.';
        if (nd <= e10 + 1) out[k++] = '0';
        for (int i = e10 + 1; i < nd; i++) out[k++] = digits[i];
    }
    out[k] = '\0';
    snprintf(buf, len, "%s", out);
}

static void texts_add(struct texts *t, const char *s) {
    util_grow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v);
    t->v[t->n++] = xstrdup(s);
}

static const char *skip_ws(const char *p) { return p + strspn(p, " \t\n\r\f\v"); }

/* One Python literal at p: a quoted string (escapes \\ \' \" \n \t \r) or a
 * decimal number, added as str() writes it; the end, or NULL when neither. */
static const char *py_literal(const char *p, struct texts *t) {
    if (*p == '\'' || *p == '"') {
        char q = *p++;
        size_t len = strlen(p);
        char *buf = xmalloc(len + 1), *w = buf;
        for (; *p && *p != q; p++) {
            if (*p == '\\' && p[1]) {
                p++;
                *w++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
            } else {
                *w++ = *p;
            }
        }
        *w = '\0';
        if (*p == q) texts_add(t, buf);
        free(buf);
        return *p == q ? p + 1 : NULL;
    }
    const char *q = p + (*p == '-' || *p == '+');
    size_t ints = strspn(q, "0123456789"), frac = 0;
    q += ints;
    bool real = *q == '.' || *q == 'e' || *q == 'E';
    if (*q == '.') q += 1 + (frac = strspn(q + 1, "0123456789"));
    if (ints + frac == 0) return NULL;
    if (*q == 'e' || *q == 'E') {
        const char *e = q + 1 + (q[1] == '+' || q[1] == '-');
        size_t digits = strspn(e, "0123456789");
        if (!digits) return NULL;
        q = e + digits;
    }
    char num[64], text[64];
    if ((size_t)(q - p) >= sizeof num || (!real && ints > 1 && q[-(long)ints] == '0')) return NULL;
    memcpy(num, p, (size_t)(q - p));
    num[q - p] = '\0';
    if (real) py_float_text(strtod(num, NULL), text, sizeof text);
    else snprintf(text, sizeof text, "%s", num + (*num == '+'));
    texts_add(t, text);
    return q;
}

/* A cell holding a Python list of strings and numbers ("['a', 'b']", "[12, 13]"),
 * which VLMEvalKit reads with eval(): its items into t; false (t unchanged)
 * when s is no such list. */
static bool py_list(const char *s, struct texts *t) {
    const char *p = skip_ws(s);
    if (*p != '[') return false;
    struct texts items = {0};
    p = skip_ws(p + 1);
    while (p && *p && *p != ']') {
        p = py_literal(p, &items);
        if (!p) break;
        p = skip_ws(p);
        if (*p == ',') p = skip_ws(p + 1);
        else if (*p != ']') p = NULL;
    }
    bool ok = p && *p == ']' && *skip_ws(p + 1) == '\0' && items.n > 0;
    for (int i = 0; ok && i < items.n; i++) texts_add(t, items.v[i]);
    for (int i = 0; i < items.n; i++) free(items.v[i]);
    free(items.v);
    return ok;
}

static void texts_read(struct texts *t, const json_t *v) {
    char num[64];
    if (json_is_object(v)) {
        const json_t *math = json_object_get(v, "math");
        t->math = t->math || json_is_true(math);
        const json_t *inner = json_object_get(v, "answers");
        texts_read(t, inner ? inner : json_object_get(v, "any"));
    } else if (json_is_string(v)) {
        if (!py_list(json_string_value(v), t)) texts_add(t, json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        texts_add(t, num);
    } else if (json_is_real(v)) {
        py_float_text(json_real_value(v), num, sizeof num);
        texts_add(t, num);
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item) texts_read(t, item);
    }
}

static void texts_free(struct texts *t) {
    for (int i = 0; i < t->n; i++) free(t->v[i]);
    free(t->v);
}

/* ================================================================ process_punctuation */

/* The 21 characters VQA normalisation removes or turns into spaces. */
static const char VQA_PUNCT[] = ";/[]\"{}()=+\\_-><@`,?!";

static bool is_vqa_punct(uint32_t c) { return c > 0 && c < 0x80 && strchr(VQA_PUNCT, (int)c); }

/* process_punctuation: each of VQA_PUNCT is deleted where the input has it next
 * to a space (or anywhere, once the input has a digit, ',', digit), else
 * becomes a space; then the first 32 '.' touching no digit are deleted. */
static void py_punctuation(const struct ustr *in, struct ustr *tmp, struct ustr *out) {
    bool digit_comma = false, remove[128] = {0};
    for (int i = 0; i < in->n; i++) {
        uint32_t c = in->p[i];
        if (c == ',' && i > 0 && i + 1 < in->n && score_ref_digit(in->p[i - 1]) >= 0 &&
            score_ref_digit(in->p[i + 1]) >= 0)
            digit_comma = true;
        if (is_vqa_punct(c) && ((i > 0 && in->p[i - 1] == ' ') || (i + 1 < in->n && in->p[i + 1] == ' ')))
            remove[c] = true;
    }
    tmp->n = 0;
    for (int i = 0; i < in->n; i++) {
        uint32_t c = in->p[i];
        if (!is_vqa_punct(c)) us_put(tmp, c);
        else if (!digit_comma && !remove[c]) us_put(tmp, ' ');
    }
    out->n = 0;
    int dots = 0;
    for (int i = 0; i < tmp->n; i++) {
        uint32_t c = tmp->p[i];
        bool digit_side = (i > 0 && score_ref_digit(tmp->p[i - 1]) >= 0) ||
                          (i + 1 < tmp->n && score_ref_digit(tmp->p[i + 1]) >= 0);
        if (c == '.' && !digit_side && dots < 32) {
            dots++;
            continue;
        }
        us_put(out, c);
    }
}

/* ================================================================ VQA normalisation */

// clang-format off
/* The VQA evaluation's contractions (its keys with capitals, which never match
 * a lower-cased word, left out), sorted by key. */
static const struct { const char *key, *value; } CONTRACTIONS[] = {
    {"'ow'sat", "'ow's'at"}, {"'ows'at", "'ow's'at"}, {"aint", "ain't"}, {"arent", "aren't"}, {"cant", "can't"},
    {"couldn'tve", "couldn't've"}, {"couldnt", "couldn't"}, {"couldnt've", "couldn't've"}, {"couldve", "could've"},
    {"didnt", "didn't"}, {"doesnt", "doesn't"}, {"dont", "don't"}, {"hadn'tve", "hadn't've"}, {"hadnt", "hadn't"},
    {"hadnt've", "hadn't've"}, {"hasnt", "hasn't"}, {"havent", "haven't"}, {"he'dve", "he'd've"}, {"hed", "he'd"},
    {"hed've", "he'd've"}, {"hes", "he's"}, {"howd", "how'd"}, {"howll", "how'll"}, {"hows", "how's"},
    {"isnt", "isn't"}, {"it'dve", "it'd've"}, {"itd", "it'd"}, {"itd've", "it'd've"}, {"itll", "it'll"},
    {"let's", "let's"}, {"maam", "ma'am"}, {"mightn'tve", "mightn't've"}, {"mightnt", "mightn't"},
    {"mightnt've", "mightn't've"}, {"mightve", "might've"}, {"mustnt", "mustn't"}, {"mustve", "must've"},
    {"neednt", "needn't"}, {"notve", "not've"}, {"oclock", "o'clock"}, {"oughtnt", "oughtn't"},
    {"ow's'at", "'ow's'at"}, {"shant", "shan't"}, {"she'dve", "she'd've"}, {"she's", "she's"},
    {"shed've", "she'd've"}, {"shouldn'tve", "shouldn't've"}, {"shouldnt", "shouldn't"},
    {"shouldnt've", "shouldn't've"}, {"shouldve", "should've"}, {"somebody'd", "somebodyd"},
    {"somebody'dve", "somebody'd've"}, {"somebodyd've", "somebody'd've"}, {"somebodyll", "somebody'll"},
    {"somebodys", "somebody's"}, {"someone'dve", "someone'd've"}, {"someoned", "someone'd"},
    {"someoned've", "someone'd've"}, {"someonell", "someone'll"}, {"someones", "someone's"},
    {"something'dve", "something'd've"}, {"somethingd", "something'd"}, {"somethingd've", "something'd've"},
    {"somethingll", "something'll"}, {"thats", "that's"}, {"there'dve", "there'd've"}, {"thered", "there'd"},
    {"thered've", "there'd've"}, {"therere", "there're"}, {"theres", "there's"}, {"they'dve", "they'd've"},
    {"theyd", "they'd"}, {"theyd've", "they'd've"}, {"theyll", "they'll"}, {"theyre", "they're"},
    {"theyve", "they've"}, {"twas", "'twas"}, {"wasnt", "wasn't"}, {"we'dve", "we'd've"}, {"wed've", "we'd've"},
    {"werent", "weren't"}, {"weve", "we've"}, {"whatll", "what'll"}, {"whatre", "what're"}, {"whats", "what's"},
    {"whatve", "what've"}, {"whens", "when's"}, {"whered", "where'd"}, {"wheres", "where's"}, {"whereve", "where've"},
    {"who'dve", "who'd've"}, {"whod", "who'd"}, {"whod've", "who'd've"}, {"wholl", "who'll"}, {"whos", "who's"},
    {"whove", "who've"}, {"whyll", "why'll"}, {"whyre", "why're"}, {"whys", "why's"}, {"wont", "won't"},
    {"wouldn'tve", "wouldn't've"}, {"wouldnt", "wouldn't"}, {"wouldnt've", "wouldn't've"}, {"wouldve", "would've"},
    {"y'all'dve", "y'all'd've"}, {"y'alld've", "y'all'd've"}, {"y'allll", "y'all'll"}, {"yall", "y'all"},
    {"yall'd've", "y'all'd've"}, {"yall'll", "y'all'll"}, {"you'dve", "you'd've"}, {"youd", "you'd"},
    {"youd've", "you'd've"}, {"youll", "you'll"}, {"youre", "you're"}, {"youve", "you've"},
};
// clang-format on

static int contraction_cmp(const void *key, const void *entry) { return strcmp(key, *(const char *const *)entry); }

const char *score_ref_contraction(const char *word) {
    const char *const *hit = bsearch(word, CONTRACTIONS, COUNT(CONTRACTIONS), sizeof CONTRACTIONS[0], contraction_cmp);
    return hit ? hit[1] : NULL;
}

static const char *const VQA_NUMBERS[] = {"none", "zero",  "one",   "two",  "three", "four", "five",
                                          "six",  "seven", "eight", "nine", "ten",   NULL};
static const char *const VQA_DIGITS[] = {"0", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};

static void us_put_ascii(struct ustr *u, const char *s) {
    for (; *s; s++) us_put(u, (unsigned char)*s);
}

/* process_answer(s): newlines and tabs to spaces, strip, process_punctuation,
 * then lower-case words with none..ten as digits, articles dropped and
 * contractions restored, joined by single spaces. */
static void vqa_process(struct ref *r, const struct ustr *s, struct ustr *out) {
    us_copy(&r->a, s);
    for (int i = 0; i < r->a.n; i++)
        if (r->a.p[i] == '\n' || r->a.p[i] == '\t') r->a.p[i] = ' ';
    py_strip(&r->a);
    py_punctuation(&r->a, &r->b, &r->c);
    py_lower(&r->c, &r->b);
    py_split(&r->b, &r->words);
    out->n = 0;
    for (int i = 0; i < r->words.n; i++) {
        char w[32];
        const char *put = NULL;
        if (word_ascii(&r->b, r->words.v[i], w, sizeof w)) {
            for (int k = 0; VQA_NUMBERS[k]; k++)
                if (strcmp(w, VQA_NUMBERS[k]) == 0) snprintf(w, sizeof w, "%s", VQA_DIGITS[k]);
            if (strcmp(w, "a") == 0 || strcmp(w, "an") == 0 || strcmp(w, "the") == 0) continue;
            put = score_ref_contraction(w);
            if (!put) put = w;
        }
        if (out->n) us_put(out, ' ');
        if (put) us_put_ascii(out, put);
        else
            for (int k = 0; k < r->words.v[i].n; k++) us_put(out, r->b.p[r->words.v[i].off + k]);
    }
}

/* numpy's pairwise sum (np.mean's), so that the mean is the same double. */
static double np_pairwise_sum(const double *a, int n) {
    if (n < 8) {
        double s = -0.0;
        for (int i = 0; i < n; i++) s += a[i];
        return s;
    }
    if (n <= 128) {
        double p[8];
        for (int j = 0; j < 8; j++) p[j] = a[j];
        int i = 8;
        for (; i < n - n % 8; i += 8)
            for (int j = 0; j < 8; j++) p[j] += a[i + j];
        double s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        for (; i < n; i++) s += a[i];
        return s;
    }
    int half = n / 2;
    half -= half % 8;
    return np_pairwise_sum(a, half) + np_pairwise_sum(a + half, n - half);
}

/* TextVQA: each answer left out in turn gives min(1, matches among the others / 3);
 * the score is their mean (0 with a single answer: nothing is left to match). */
static void ref_vqa(struct ref *r, const struct texts *t) {
    struct ustr pred = {0}, gt = {0};
    vqa_process(r, &r->reply, &pred);
    bool *hit = xmalloc((size_t)t->n * sizeof *hit);
    double *acc = xmalloc((size_t)t->n * sizeof *acc);
    int matches = 0;
    for (int i = 0; i < t->n; i++) {
        us_set(&r->d, t->v[i]);
        vqa_process(r, &r->d, &gt);
        matches += hit[i] = us_eq(&gt, &pred);
    }
    for (int i = 0; i < t->n; i++) acc[i] = fmin(1.0, (double)(matches - hit[i]) / 3);
    double score = (0.0 + np_pairwise_sum(acc, t->n)) / t->n;
    ref_verdict(r, score, score >= 0.5, "%d of %d references match", matches, t->n);
    free(hit);
    free(acc);
    free(pred.p);
    free(gt.p);
}

/* ================================================================ YOrN_Extraction */

/* The reply lower-cased, through process_punctuation, split: Yes when "yes" is a
 * word and "no" is not, No the other way round, else Unknown (a "No" to POPE). */
static void ref_yesno(struct ref *r) {
    py_lower(&r->reply, &r->a);
    py_punctuation(&r->a, &r->b, &r->c);
    py_split(&r->c, &r->words);
    bool yes = false, no = false;
    for (int i = 0; i < r->words.n; i++) {
        yes |= word_is(&r->c, r->words.v[i], "yes");
        no |= word_is(&r->c, r->words.v[i], "no");
    }
    int got = yes && !no ? 1 : no && !yes ? 0 : -1;
    bool right = got == (int)r->in->want_yes;
    ref_verdict(r, right, right, "%s", got < 0 ? "unknown" : got ? "yes" : "no");
}

/* ================================================================ can_infer */

/* A row's options as VLMEvalKit's choices dict: letters in order, their texts. */
struct options {
    int n;
    char key[26];
    const char *text[26];
};

static const char *const REFUSALS[] = {"Sorry, I can't help with images of people yet.", "I can't process this file.",
                                       "I'm sorry, but without the image provided", "Cannot determine the answer",
                                       NULL};

static int option_of(const struct options *o, uint32_t letter) {
    for (int i = 0; i < o->n; i++)
        if ((uint32_t)o->key[i] == letter) return i;
    return -1;
}

/* Whether c is x under re.IGNORECASE (x a lower-case ASCII letter of
 * "answer is"): also upper case, and ſ for s, İ and ı for i. */
static bool re_fold_is(uint32_t c, char x) {
    if (c == (uint32_t)x || c == (uint32_t)x - 32) return true;
    return (x == 's' && c == 0x17F) || (x == 'i' && (c == 0x130 || c == 0x131));
}

/* The regex (?i)(?:correct\s+)?answer\s+is\s+\**([ABCD]): the letter of its
 * first match, upper-cased, or 0. No word boundary: "The answer is cat" is C. */
static char answer_is_letter(const struct ustr *s) {
    for (int i = 0; i < s->n; i++) {
        int j = i, k;
        for (k = 0; k < 6 && j < s->n && re_fold_is(s->p[j], "answer"[k]); k++) j++;
        if (k < 6 || j >= s->n || !score_ref_space(s->p[j])) continue;
        while (j < s->n && score_ref_space(s->p[j])) j++;
        if (j + 2 > s->n || !re_fold_is(s->p[j], 'i') || !re_fold_is(s->p[j + 1], 's')) continue;
        j += 2;
        if (j >= s->n || !score_ref_space(s->p[j])) continue;
        while (j < s->n && score_ref_space(s->p[j])) j++;
        while (j < s->n && s->p[j] == '*') j++;
        if (j < s->n && (s->p[j] | 0x20) >= 'a' && (s->p[j] | 0x20) <= 'd') return (char)(s->p[j] & ~0x20u);
    }
    return 0;
}

/* can_infer_option: a letter token (after turning .()[],:;!*#{} into spaces)
 * that is the only option letter among the tokens and first appears among the
 * last four; else the "answer is X" regex; refusals and a lone Z give 'Z';
 * 0 when nothing was read (then can_infer_text has its turn). */
static char infer_option(struct ref *r, const struct options *o) {
    const struct ustr *s = &r->reply;
    if (us_has_ascii(s, "Failed to obtain answer via API")) return 0;
    for (const char *const *p = REFUSALS; *p; p++)
        if (us_has_ascii(s, *p)) return 'Z';
    us_copy(&r->a, s);
    for (int i = 0; i < r->a.n; i++)
        if (r->a.p[i] < 0x80 && r->a.p[i] && strchr(".()[],:;!*#{}", (int)r->a.p[i])) r->a.p[i] = ' ';
    py_split(&r->a, &r->words);
    int first[27], count = 0; /* first token index of each option letter, and of Z */
    for (int k = 0; k < 27; k++) first[k] = -1;
    for (int i = r->words.n - 1; i >= 0; i--) {
        struct span w = r->words.v[i];
        if (w.n != 1) continue;
        int opt = option_of(o, r->a.p[w.off]);
        if (opt >= 0) first[opt] = i;
        if (r->a.p[w.off] == 'Z') first[26] = i;
    }
    for (int k = 0; k < o->n; k++) count += first[k] >= 0;
    if (count == 1) {
        for (int k = 0; k < o->n; k++)
            if (first[k] >= 0 && first[k] > r->words.n - 5) return o->key[k];
    } else if (count == 0 && first[26] >= 0) {
        return 'Z';
    }
    char letter = answer_is_letter(s);
    return letter && option_of(o, (unsigned char)letter) >= 0 ? letter : 0;
}

/* can_infer_text: the one option whose lower-cased text is in the lower-cased
 * reply, when the reply is at most twice as long as all option texts together. */
static char infer_text(struct ref *r, const struct options *o) {
    py_lower(&r->reply, &r->a);
    long total = 0;
    for (int k = 0; k < o->n; k++) {
        us_set(&r->b, o->text[k]);
        total += r->b.n;
    }
    if (r->a.n > 2 * total) return 0;
    char found = 0;
    int n_found = 0;
    for (int k = 0; k < o->n; k++) {
        us_set(&r->b, o->text[k]);
        py_lower(&r->b, &r->c);
        if (us_has(&r->a, r->c.p, r->c.n)) {
            found = o->key[k];
            n_found++;
        }
    }
    return n_found == 1 ? found : 0;
}

/* can_infer, with VLMEvalKit's 'Z' when it reads nothing; right when the letter
 * is an expected one. */
static void ref_can_infer(struct ref *r, const struct options *o, unsigned want) {
    char got = infer_option(r, o);
    if (!got) got = infer_text(r, o);
    if (!got) got = 'Z';
    bool right = (want >> (got - 'A')) & 1;
    if (option_of(o, (unsigned char)got) >= 0) ref_verdict(r, right, right, "picked %c", got);
    else ref_verdict(r, right, right, "unparsed");
}

static void ref_choice(struct ref *r) {
    struct options o = {0};
    for (int i = 0; i < r->in->n_choices && i < 26; i++) {
        if (!r->in->choices[i]) continue; /* a missing cell is no option */
        o.key[o.n] = (char)('A' + i);
        o.text[o.n++] = r->in->choices[i];
    }
    ref_can_infer(r, &o, r->in->want_options);
}

/* Python's repr() of a str (the common cases: quotes, backslashes, \n \r \t). */
static void py_repr_str(const char *s, struct texts *buf) {
    bool dq = strchr(s, '\'') && !strchr(s, '"');
    char q = dq ? '"' : '\'';
    size_t len = strlen(s);
    char *out = xmalloc(len * 2 + 3), *w = out;
    *w++ = q;
    for (; *s; s++) {
        const char *esc = *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : *s == '\t' ? "\\t" : NULL;
        if (esc) {
            memcpy(w, esc, 2);
            w += 2;
            continue;
        }
        if (*s == '\\' || *s == q) *w++ = '\\';
        *w++ = *s;
    }
    *w++ = q;
    *w = '\0';
    texts_add(buf, out);
    free(out);
}

/* MMMU's open questions: options A = the answer cell, B = "Other Answers",
 * right when can_infer picks A (or, when the answer is itself one of the
 * letters A-Z, picks that letter). An expected array stands for a cell holding
 * a Python list; its text is the list's repr(). */
static void ref_open(struct ref *r, const struct texts *t) {
    const json_t *exp = r->in->exp;
    if (json_is_object(exp)) exp = json_object_get(exp, "any");
    struct texts cell = {0};
    if (json_is_array(exp)) {
        struct texts items = {0};
        texts_read(&items, exp);
        size_t len = 3;
        for (int i = 0; i < items.n; i++) len += strlen(items.v[i]) * 2 + 5;
        char *list = xmalloc(len);
        strcpy(list, "[");
        for (int i = 0; i < items.n; i++) {
            struct texts one = {0};
            if (json_is_string(json_array_get(exp, (size_t)i))) py_repr_str(items.v[i], &one);
            else texts_add(&one, items.v[i]);
            if (i) strcat(list, ", ");
            strcat(list, one.v[0]);
            texts_free(&one);
        }
        strcat(list, "]");
        texts_add(&cell, list);
        free(list);
        texts_free(&items);
    } else if (json_is_string(exp)) {
        texts_add(&cell, json_string_value(exp)); /* the cell as it is: no eval() here */
    } else {
        texts_add(&cell, t->n ? t->v[0] : "");
    }
    struct options o = {2, {'A', 'B'}, {cell.v[0], "Other Answers"}};
    const char *c = cell.v[0]; /* an answer that is a capital letter stays the right letter */
    ref_can_infer(r, &o, c[0] >= 'A' && c[0] <= 'Z' && !c[1] ? 1u << (c[0] - 'A') : 1u);
    texts_free(&cell);
}

/* ================================================================ anls_compute */

/* Levenshtein distance of a and b in code points. */
static int ref_levenshtein(struct ref *r, const struct ustr *a, const struct ustr *b) {
    util_grow((void **)&r->row, &r->cap_row, b->n + 1, sizeof *r->row);
    int *row = r->row;
    for (int j = 0; j <= b->n; j++) row[j] = j;
    for (int i = 1; i <= a->n; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= b->n; j++) {
            int up = row[j], best = diag + (a->p[i - 1] != b->p[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[b->n];
}

/* ' '.join(s.strip().lower().split()) */
static void anls_form(struct ref *r, const struct ustr *s, struct ustr *out) {
    us_copy(&r->a, s);
    py_strip(&r->a);
    py_lower(&r->a, &r->b);
    py_split(&r->b, &r->words);
    out->n = 0;
    for (int i = 0; i < r->words.n; i++) {
        if (i) us_put(out, ' ');
        for (int k = 0; k < r->words.v[i].n; k++) us_put(out, r->b.p[r->words.v[i].off + k]);
    }
}

/* Per answer: Levenshtein distance of the normalised texts over the longer
 * upper-cased raw text; the item is 1 - the least of those, 0 when below 0.5. */
static void ref_anls(struct ref *r, const struct texts *t) {
    struct ustr pred = {0}, gt = {0};
    anls_form(r, &r->reply, &pred);
    int pred_len = py_upper_len(&r->reply);
    double least = 1.0;
    for (int i = 0; i < t->n; i++) {
        us_set(&r->d, t->v[i]);
        int gt_len = py_upper_len(&r->d), length = gt_len > pred_len ? gt_len : pred_len;
        anls_form(r, &r->d, &gt);
        int diff = abs(gt.n - pred.n);
        if (length > 0 && 2 * diff > length) continue; /* above 0.5: can never count */
        double v = length == 0 ? 0.0 : (double)ref_levenshtein(r, &gt, &pred) / (double)length;
        if (v < least) least = v;
    }
    double score = 1 - least < 0.5 ? 0.0 : 1 - least;
    ref_verdict(r, score, score >= 0.5, "anls %.3f", score);
    free(pred.p);
    free(gt.p);
}

/* ================================================================ relaxed_correctness */

/* _to_float: a text ending in '%' is float() of it without its trailing '%'s,
 * over 100. */
static bool relaxed_float(const struct ustr *s, struct ustr *tmp, double *v) {
    if (s->n == 0 || s->p[s->n - 1] != '%') return py_float(s, v);
    us_copy(tmp, s);
    while (tmp->n && tmp->p[tmp->n - 1] == '%') tmp->n--;
    if (!py_float(tmp, v)) return false;
    *v /= 100.0;
    return true;
}

/* ChartQA: the stripped reply against each answer: when both read as numbers and
 * the answer's is not 0, |p - t| / |t| <= 0.05; else lower-cased texts equal. */
static void ref_relaxed(struct ref *r, const struct texts *t) {
    struct ustr pred = {0}, pred_low = {0};
    us_copy(&pred, &r->reply);
    py_strip(&pred);
    py_lower(&pred, &pred_low);
    double p, tv;
    bool p_ok = relaxed_float(&pred, &r->a, &p);
    int hit = -1;
    for (int i = 0; i < t->n && hit < 0; i++) {
        us_set(&r->d, t->v[i]);
        bool t_ok = relaxed_float(&r->d, &r->a, &tv);
        if (p_ok && t_ok && tv != 0) {
            if (fabs(p - tv) / fabs(tv) <= 0.05) hit = i;
        } else {
            py_lower(&r->d, &r->b);
            if (us_eq(&pred_low, &r->b)) hit = i;
        }
    }
    if (hit >= 0) ref_verdict(r, 1, true, "matched \"%s\"", t->v[hit]);
    else ref_verdict(r, 0, false, "no match");
    free(pred.p);
    free(pred_low.p);
}

/* ================================================================ OCRBench */

/* HME100k form: stripped, newlines to spaces, spaces (U+0020 only) removed. */
static void hme_form(struct ustr *s) {
    py_strip(s);
    int k = 0;
    for (int i = 0; i < s->n; i++)
        if (s->p[i] != '\n' && s->p[i] != ' ') s->p[k++] = s->p[i];
    s->n = k;
}

/* Plain form: lower-cased, stripped, newlines to spaces. */
static void ocr_form(const struct ustr *s, struct ustr *out) {
    py_lower(s, out);
    py_strip(out);
    for (int i = 0; i < out->n; i++)
        if (out->p[i] == '\n') out->p[i] = ' ';
}

/* OCRBench: an answer is in the reply, both lower-cased and stripped; with
 * "math" (HME100k) case kept and spaces and newlines removed instead. */
static void ref_substring(struct ref *r, const struct texts *t) {
    if (t->math) {
        us_copy(&r->c, &r->reply);
        hme_form(&r->c);
    } else {
        ocr_form(&r->reply, &r->c);
    }
    for (int i = 0; i < t->n; i++) {
        us_set(&r->d, t->v[i]);
        if (t->math) hme_form(&r->d);
        else {
            ocr_form(&r->d, &r->a);
            us_copy(&r->d, &r->a);
        }
        if (us_has(&r->c, r->d.p, r->d.n)) {
            ref_verdict(r, 1, true, "found \"%s\"", t->v[i]);
            return;
        }
    }
    ref_verdict(r, 0, false, "not found");
}

/* ================================================================ dispatch */

static const char *const REF_SCORERS[] = {"choice", "vqa", "anls", "yesno", "relaxed", "substring", "open", NULL};

bool score_ref_exists(const char *scorer) {
    for (const char *const *s = REF_SCORERS; *s; s++)
        if (scorer && strcmp(scorer, *s) == 0) return true;
    return false;
}

/* Whether the case gives the reference something to read. */
static bool ref_applies(const struct score_ref_in *in) {
    if (!score_ref_exists(in->scorer)) return false;
    if (strcmp(in->scorer, "choice") != 0) return true;
    for (int i = 0; i < in->n_choices && i < 26; i++)
        if (in->choices && in->choices[i]) return true;
    return false;
}

void score_ref_unparsed(const struct score_ref_in *in, struct vlm_score *out) {
    if (!ref_applies(in)) return;
    out->has_ref = true;
    out->ref_score = 0;
    out->ref_correct = false;
    snprintf(out->ref_detail, sizeof out->ref_detail, "%s", strcmp(in->scorer, "yesno") == 0 ? "unknown" : "unparsed");
}

void score_ref_text(const struct score_ref_in *in, struct vlm_score *out) {
    if (!ref_applies(in)) return;
    struct ref r = {.in = in, .out = out};
    struct texts t = {0};
    texts_read(&t, in->exp);
    read_cell(&r, in->answer ? in->answer : "");
    const char *s = in->scorer;
    if (strcmp(s, "choice") == 0) ref_choice(&r);
    else if (strcmp(s, "yesno") == 0) ref_yesno(&r);
    else if (strcmp(s, "open") == 0) ref_open(&r, &t);
    else if (t.n == 0) ref_verdict(&r, 0, false, "no expected answer");
    else if (strcmp(s, "vqa") == 0) ref_vqa(&r, &t);
    else if (strcmp(s, "anls") == 0) ref_anls(&r, &t);
    else if (strcmp(s, "relaxed") == 0) ref_relaxed(&r, &t);
    else if (strcmp(s, "substring") == 0) ref_substring(&r, &t);
    texts_free(&t);
    ref_free(&r);
}
