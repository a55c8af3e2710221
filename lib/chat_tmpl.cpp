/*
 * chat_tmpl.cpp - chat_tmpl.h over llama.cpp's `common` library (common/chat.h,
 * common/jinja/, common/reasoning-budget.h). The only C++ in vlmeter: it turns
 * C strings into common_chat_msg values, calls llama.cpp, and never lets an
 * exception out.
 */
#include "chat_tmpl.h"

#include "chat.h" /* llama.cpp's common/chat.h */
#include "common.h"
#include "llama.h"
#include "reasoning-budget.h"

#include <xxhash.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

struct chat_tmpl {
    common_chat_templates_ptr tmpls;
    std::string source;
    bool jinja = true;
    bool think_set = false; /* enable_thinking given by the user */
    bool think = true;
    struct chat_tmpl_info info;
};

static void set_err(char *err, size_t err_len, const std::string &msg) {
    if (err && err_len) snprintf(err, err_len, "%s", msg.c_str());
}

static void copy_tag(char *dst, size_t len, const std::string &s) { snprintf(dst, len, "%s", s.c_str()); }

/* Whether `name` is one of llama.cpp's built-in template names. */
static bool is_builtin_name(const char *name) {
    const char *names[256];
    int n = llama_chat_builtin_templates(names, 256);
    for (int i = 0; i < n && i < 256; i++)
        if (strcmp(names[i], name) == 0) return true;
    return false;
}

/* A fixed chat formatted by llama.cpp's built-in (non-Jinja) code for `tmpl`
 * (a name or a source it recognises); "" when it recognises none. */
static std::string builtin_probe(const char *tmpl) {
    llama_chat_message m[3] = {{"system", "S"}, {"user", "U1"}, {"assistant", "A1"}};
    char buf[2048];
    int n = llama_chat_apply_template(tmpl, m, 3, true, buf, sizeof buf);
    return n < 0 || n >= (int)sizeof buf ? std::string() : std::string(buf, (size_t)n);
}

/* The built-in family whose rendering of a probe chat equals `tmpl`'s. */
static std::string builtin_family(const char *tmpl) {
    std::string want = builtin_probe(tmpl);
    if (want.empty()) return "";
    const char *names[256];
    int n = llama_chat_builtin_templates(names, 256);
    for (int i = 0; i < n && i < 256; i++)
        if (builtin_probe(names[i]) == want) return names[i];
    return "";
}

static common_chat_templates_inputs base_inputs(const chat_tmpl *t) {
    common_chat_templates_inputs in;
    in.use_jinja = t->jinja;
    if (t->think_set) {
        in.enable_thinking = t->think;
        in.chat_template_kwargs["enable_thinking"] = t->think ? "true" : "false";
    }
    return in;
}

static common_chat_params apply_probe(const chat_tmpl *t, bool think) {
    common_chat_templates_inputs in = base_inputs(t);
    in.enable_thinking = think;
    in.chat_template_kwargs["enable_thinking"] = think ? "true" : "false";
    in.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;
    common_chat_msg m;
    m.role = "user";
    m.content = "test";
    in.messages = {m};
    in.add_generation_prompt = true;
    return common_chat_templates_apply(t->tmpls.get(), in);
}

static std::string trim(const std::string &s) {
    size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

/* What the template says about reasoning (Jinja templates only). */
static void probe_reasoning(chat_tmpl *t) {
    struct chat_tmpl_info *i = &t->info;
    copy_tag(i->think_start, sizeof i->think_start, "<think>");
    copy_tag(i->think_end, sizeof i->think_end, "</think>");
    if (!t->jinja) return;
    common_chat_params on = apply_probe(t, true), off = apply_probe(t, false);
    i->supports_thinking = on.supports_thinking;
    i->think_switch = on.prompt != off.prompt;
    if (on.supports_thinking && !on.thinking_start_tag.empty())
        copy_tag(i->think_start, sizeof i->think_start, on.thinking_start_tag);
    if (on.supports_thinking && !on.thinking_end_tags.empty())
        copy_tag(i->think_end, sizeof i->think_end, on.thinking_end_tags[0]);
    const common_chat_params &used = (t->think_set && !t->think) ? off : on;
    std::string gp = trim(used.generation_prompt);
    std::string start = i->think_start;
    /* open: the generation prompt ends inside a block it started */
    size_t at = gp.rfind(start);
    i->think_opened = at != std::string::npos && gp.find(i->think_end, at) == std::string::npos;
}

extern "C" chat_tmpl *chat_tmpl_init(const struct llama_model *model, const char *override, enum chat_think think,
                                     char *err, size_t err_len) {
    chat_tmpl *t = new chat_tmpl();
    memset(&t->info, 0, sizeof t->info);
    t->think_set = think != CHAT_THINK_DEFAULT;
    t->think = think != CHAT_THINK_OFF;
    try {
        std::string ovr = override ? override : "";
        if (ovr.empty()) {
            const char *src = llama_model_chat_template(model, nullptr);
            if (!src) {
                set_err(err, err_len,
                        "the model has no chat template; pass one (template=chatml, a built-in "
                        "name, or Jinja text)");
                delete t;
                return nullptr;
            }
            t->source = src;
        } else if (ovr != "chatml" && is_builtin_name(ovr.c_str())) {
            t->jinja = false; /* llama.cpp's built-in formatter for that name */
            t->source = ovr;
        } else {
            t->source = ovr;
        }
        if (t->jinja) {
            /* parse it first, as common_chat_templates_init will, to keep the
             * parser's own message (that function rethrows a sliced copy) */
            const char *src = ovr.empty() ? t->source.c_str() : ovr.c_str();
            common_chat_template check(src, "", "");
            (void)check;
        }
        t->tmpls = common_chat_templates_init(model, ovr);
        if (t->jinja) {
            t->source = common_chat_templates_source(t->tmpls.get()); /* as llama.cpp holds it */
            std::string fam = builtin_family(t->source.c_str());
            snprintf(t->info.family, sizeof t->info.family, "jinja/%s", fam.empty() ? "custom" : fam.c_str());
        } else {
            snprintf(t->info.family, sizeof t->info.family, "builtin/%s", ovr.c_str());
        }
        t->info.jinja = t->jinja;
        snprintf(t->info.hash, sizeof t->info.hash, "%016llx",
                 (unsigned long long)XXH64(t->source.data(), t->source.size(), 0));
        probe_reasoning(t);
        if (!t->jinja && builtin_probe(t->source.c_str()).empty()) {
            set_err(err, err_len, "llama.cpp has no built-in template '" + ovr + "'");
            delete t;
            return nullptr;
        }
    } catch (const std::exception &e) {
        set_err(err, err_len, std::string("chat template cannot be used: ") + e.what());
        delete t;
        return nullptr;
    }
    return t;
}

extern "C" void chat_tmpl_free(chat_tmpl *t) { delete t; }

extern "C" const struct chat_tmpl_info *chat_tmpl_get_info(const chat_tmpl *t) { return &t->info; }

static common_chat_msg to_msg(const struct chat_msg *m) {
    common_chat_msg out;
    out.role = m->role;
    out.content = m->content;
    return out;
}

/* common_chat_format_single, with the user's enable_thinking passed on: the
 * past messages rendered without a generation prompt, then with the new one,
 * and the difference (a newline kept when the past ends with one). */
extern "C" char *chat_format_delta(const chat_tmpl *t, const struct chat_msg *past, int n_past,
                                   const struct chat_msg *msg, bool add_ass, char *err, size_t err_len) {
    try {
        std::vector<common_chat_msg> hist;
        for (int i = 0; i < n_past; i++) hist.push_back(to_msg(&past[i]));
        std::string out;
        if (!t->think_set) {
            out = common_chat_format_single(t->tmpls.get(), hist, to_msg(msg), add_ass, t->jinja);
        } else {
            common_chat_templates_inputs in = base_inputs(t);
            std::string before;
            if (!hist.empty()) {
                in.messages = hist;
                in.add_generation_prompt = false;
                before = common_chat_templates_apply(t->tmpls.get(), in).prompt;
            }
            if (add_ass && !before.empty() && before.back() == '\n') out = "\n";
            in.messages = hist;
            in.messages.push_back(to_msg(msg));
            in.add_generation_prompt = add_ass;
            std::string after = common_chat_templates_apply(t->tmpls.get(), in).prompt;
            out += after.substr(before.size() <= after.size() ? before.size() : after.size());
        }
        char *s = (char *)malloc(out.size() + 1);
        if (!s) return nullptr;
        memcpy(s, out.data(), out.size());
        s[out.size()] = 0;
        return s;
    } catch (const std::exception &e) {
        set_err(err, err_len, std::string("chat template failed: ") + e.what());
        return nullptr;
    }
}

extern "C" struct llama_sampler *chat_budget_sampler(const chat_tmpl *t, const struct llama_model *model, int budget) {
    try {
        const llama_vocab *vocab = llama_model_get_vocab(model);
        llama_tokens start = common_tokenize(vocab, t->info.think_start, false, true);
        llama_tokens end = common_tokenize(vocab, t->info.think_end, false, true);
        if (start.empty() || end.empty()) return nullptr;
        return common_reasoning_budget_init(vocab, {start}, {end}, end, budget);
    } catch (const std::exception &) {
        return nullptr;
    }
}

extern "C" void chat_budget_restart(const chat_tmpl *t, const struct llama_model *model, struct llama_sampler *s) {
    llama_sampler_reset(s);
    if (!t->info.think_opened) return;
    /* the generation prompt opened the block: the sampler reads its start tag,
     * as llama.cpp's sampler reads the generation prompt's tokens */
    try {
        for (llama_token tok : common_tokenize(llama_model_get_vocab(model), t->info.think_start, false, true))
            llama_sampler_accept(s, tok);
    } catch (const std::exception &) {}
}
