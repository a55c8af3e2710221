/*
 * rpc.c - llama.cpp's RPC backend for one local model spread over machines:
 * the `rpc=` list checked, each server reached, and the remote devices it
 * offers handed to the model load (engine_local.c). The devices are not
 * registered process-wide, so other models of the same run and the vision
 * projector stay where they were.
 */
#include "rpc.h"
#include "util.h"
#include "vlmeter.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

/* Milliseconds to wait for a server's TCP handshake. */
#define RPC_CONNECT_TIMEOUT_MS 3000

/* Split "HOST:PORT" (edited in place) at its ':'; false when either part is
 * missing, there is another ':' (llama.cpp splits at the first one, so an IPv6
 * address cannot be given) or the port is not 1..65535. */
static bool split_endpoint(char *ep, char **host, char **port) {
    char *colon = strchr(ep, ':');
    if (!colon || colon == ep || !colon[1] || strchr(colon + 1, ':')) return false;
    *colon = '\0';
    char *end = NULL;
    long n = strtol(colon + 1, &end, 10);
    if (*end || n < 1 || n > 65535) return false;
    *host = ep;
    *port = colon + 1;
    return true;
}

bool rpc_servers_ok(const char *servers, char *why, size_t why_len) {
    char *copy = xstrdup(servers), *save = NULL, *host, *port;
    bool ok = servers[0] && servers[0] != ',' && servers[strlen(servers) - 1] != ',' && !strstr(servers, ",,");
    int n = 0;
    for (char *ep = strtok_r(copy, ",", &save); ok && ep; ep = strtok_r(NULL, ",", &save), n++) {
        char shown[256];
        snprintf(shown, sizeof shown, "%s", ep);
        if (!split_endpoint(ep, &host, &port)) {
            snprintf(why, why_len, "rpc server '%s' must be HOST:PORT (port 1..65535, no IPv6 address)", shown);
            free(copy);
            return false;
        }
    }
    if (ok && n > RPC_MAX_DEVICES) {
        snprintf(why, why_len, "rpc lists %d servers; at most %d", n, RPC_MAX_DEVICES);
        ok = false;
    } else if (!ok) snprintf(why, why_len, "rpc must be HOST:PORT[,HOST:PORT...], not '%s'", servers);
    free(copy);
    return ok;
}

/* Connect to one address within the timeout; 0 or an errno value. */
static int connect_within(const struct addrinfo *a, int timeout_ms) {
    int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) return errno;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int rc = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    if (rc == EINPROGRESS) {
        struct pollfd p = {fd, POLLOUT, 0};
        int got = poll(&p, 1, timeout_ms);
        socklen_t len = sizeof rc;
        if (got <= 0) rc = got == 0 ? ETIMEDOUT : errno;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &rc, &len) != 0) rc = errno;
    }
    close(fd);
    return rc;
}

/* Whether HOST:PORT accepts a TCP connection; false with `why`. */
static bool reachable(const char *endpoint, char *why, size_t why_len) {
    char *copy = xstrdup(endpoint), *host, *port;
    split_endpoint(copy, &host, &port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    int rc = gai == 0 ? ECONNREFUSED : 0;
    for (struct addrinfo *a = res; a && rc != 0; a = a->ai_next) rc = connect_within(a, RPC_CONNECT_TIMEOUT_MS);
    if (gai != 0) snprintf(why, why_len, "rpc server %s: unknown host (%s)", endpoint, gai_strerror(gai));
    else if (rc != 0)
        snprintf(why, why_len, "rpc server %s does not answer (%s); is llama.cpp's rpc-server running there?", endpoint,
                 strerror(rc));
    if (res) freeaddrinfo(res);
    free(copy);
    return gai == 0 && rc == 0;
}

typedef ggml_backend_reg_t (*add_server_fn)(const char *endpoint);

/* llama.cpp's function that adds one RPC server, or NULL without its RPC backend. */
static add_server_fn rpc_add_server(void) {
    ggml_backend_reg_t reg = ggml_backend_reg_by_name("RPC");
    return reg ? (add_server_fn)ggml_backend_reg_get_proc_address(reg, "ggml_backend_rpc_add_server") : NULL;
}

int rpc_devices(const char *servers, ggml_backend_dev_t devs[RPC_MAX_DEVICES + 1], char *err, size_t err_len) {
    if (!rpc_servers_ok(servers, err, err_len)) return VLM_ERR_INPUT;
    add_server_fn add = rpc_add_server();
    if (!add) {
        util_errf(err, err_len, "rpc=%s: this llama.cpp was built without its RPC backend (GGML_RPC=ON)", servers);
        return VLM_ERR_MODEL;
    }
    char *copy = xstrdup(servers), *save = NULL;
    int n = 0, rc = VLM_OK;
    for (char *ep = strtok_r(copy, ",", &save); ep && rc == VLM_OK; ep = strtok_r(NULL, ",", &save)) {
        if (!reachable(ep, err, err_len)) {
            rc = VLM_ERR_MODEL;
            break;
        }
        ggml_backend_reg_t reg = add(ep);
        size_t count = reg ? ggml_backend_reg_dev_count(reg) : 0;
        if (count == 0) {
            util_errf(err, err_len, "rpc server %s offers no device", ep);
            rc = VLM_ERR_MODEL;
        }
        for (size_t i = 0; i < count && rc == VLM_OK; i++) {
            if (n == RPC_MAX_DEVICES) {
                util_errf(err, err_len, "rpc=%s offers more than %d devices", servers, RPC_MAX_DEVICES);
                rc = VLM_ERR_MODEL;
            } else devs[n++] = ggml_backend_reg_dev_get(reg, i);
        }
    }
    devs[n] = NULL;
    free(copy);
    return rc;
}
