// Linux-only declarations that Glibc does not export to Swift: epoll, eventfd, and a few socket helpers.
#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
#include <sys/epoll.h>
#include <malloc.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <pthread.h>
#include <sys/random.h>

// accept4 is declared only under _GNU_SOURCE, which the Glibc module is built without.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
// Likewise pthread_setname_np (names show in top -H and debuggers; at most 15 bytes).
extern int pthread_setname_np(pthread_t thread, const char *name);

static inline int clinux_sigmask_block_term(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/// Waits for SIGTERM or SIGINT (which must be blocked in every thread); returns the signal number.
static inline int clinux_sigwait_term(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return -1;
    return sig;
}
/* Allocations of at least `bytes` get their own mmap and go back to the system when freed (a fixed threshold also
   stops glibc raising it as large blocks come and go). */
static inline int clinux_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }

#endif
