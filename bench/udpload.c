/*
 * A BEP 15 (UDP tracker) load generator for bench/tracker.sh: many UDP sockets, each with one
 * request in flight, spread round-robin over one or more trackers; each socket does `connect`,
 * then announces with its connection id (a new `connect` after 60 s, as BEP 15 lets a client keep
 * an id for a minute) for random info-hashes of a pool, random peer ids, keys and ports, event
 * started, numwant 50. Every answer is checked: an announce answer must carry the socket's
 * transaction id, action 1 and whole 6-byte peers; an `error` answer (action 3) is a refusal; no
 * answer within the timeout is a timeout (the request is sent again, a new transaction). Only
 * announces answered during the measured time count, and their latency goes to a microsecond
 * histogram (p50/p99 exact to the microsecond up to the timeout).
 *
 * Build: gcc -O2 -o udpload bench/udpload.c        (bench/tracker.sh builds it)
 * Usage: udpload -f HASHES -t HOST:PORT[,HOST:PORT...] [-s SOCKETS] [-d SECONDS] [-w WARMUP]
 *                [-T TIMEOUT_MS]
 *   HASHES: one 40-hex-digit info-hash a line. IPv4 literals only (the benchmark is loopback).
 * Prints one line:
 *   announces N seconds S rps R p50_ms A p99_ms B refusals E timeouts T connects C malformed M
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 16
#define MAX_SOCKETS 4096
#define PROTOCOL_ID 0x41727101980ULL
#define CONNECTION_ID_LIFETIME_US 60000000ULL

enum state { CONNECTING, ANNOUNCING };

struct sock {
    int fd;
    enum state state;
    uint64_t connection_id;
    uint64_t connected_at;   /* us */
    uint32_t transaction_id;
    uint64_t sent_at;        /* us; 0 = nothing in flight */
};

static uint8_t (*hashes)[20];
static size_t hash_count;
static uint64_t rng = 88172645463325252ULL;
static uint32_t *histogram; /* microseconds, 0..timeout */
static uint64_t timeout_us = 1000000;
static int measuring;
static uint64_t announces, refusals, timeouts, connects, malformed;

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) { p[i] = (uint8_t) v; v >>= 8; }
}
static void put32(uint8_t *p, uint32_t v) {
    for (int i = 3; i >= 0; i--) { p[i] = (uint8_t) v; v >>= 8; }
}
static uint32_t get32(const uint8_t *p) {
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}
static uint64_t get64(const uint8_t *p) {
    return ((uint64_t) get32(p) << 32) | get32(p + 4);
}

static void load_hashes(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    size_t capacity = 1024;
    hashes = malloc(capacity * 20);
    char line[128];
    while (fgets(line, sizeof line, f)) {
        if (strlen(line) < 40) continue;
        if (hash_count == capacity) { capacity *= 2; hashes = realloc(hashes, capacity * 20); }
        for (int i = 0; i < 20; i++) {
            unsigned v;
            if (sscanf(line + 2 * i, "%2x", &v) != 1) { fprintf(stderr, "bad hash line: %s", line); exit(2); }
            hashes[hash_count][i] = (uint8_t) v;
        }
        hash_count++;
    }
    fclose(f);
    if (hash_count == 0) { fprintf(stderr, "%s: no info-hashes\n", path); exit(2); }
}

static void send_request(struct sock *s) {
    uint8_t packet[98];
    size_t length;
    uint64_t now = now_us();
    s->transaction_id = (uint32_t) next_random();
    if (s->state == ANNOUNCING && now - s->connected_at > CONNECTION_ID_LIFETIME_US) {
        s->state = CONNECTING;
    }
    if (s->state == CONNECTING) {
        put64(packet, PROTOCOL_ID);
        put32(packet + 8, 0);
        put32(packet + 12, s->transaction_id);
        length = 16;
    } else {
        uint64_t r = next_random();
        put64(packet, s->connection_id);
        put32(packet + 8, 1);
        put32(packet + 12, s->transaction_id);
        memcpy(packet + 16, hashes[r % hash_count], 20);
        memcpy(packet + 36, "-UL0001-", 8);
        for (int i = 0; i < 12; i++) packet[44 + i] = "0123456789abcdefghijklmnopqrstuvwxyz"[next_random() % 36];
        put64(packet + 56, 0);                          /* downloaded */
        put64(packet + 64, (r >> 40) % 4 == 0 ? 0 : 1000); /* left: a quarter are seeders */
        put64(packet + 72, 0);                          /* uploaded */
        put32(packet + 80, 2);                          /* event: started */
        /* ip: a 10.x.y.z of its own, as every peer of a real swarm has its own address (a tracker
           takes it from a loopback client only; from one address, per-address caps would refuse). */
        put32(packet + 84, 0x0a000000u | (uint32_t) (next_random() % 0xffffff) | 1u);
        put32(packet + 88, (uint32_t) next_random());   /* key */
        put32(packet + 92, 50);                         /* num_want */
        uint16_t port = (uint16_t) (1024 + next_random() % 64000);
        packet[96] = (uint8_t) (port >> 8);
        packet[97] = (uint8_t) port;
        length = 98;
    }
    s->sent_at = now;
    if (send(s->fd, packet, length, 0) < 0 && errno != EAGAIN && errno != ECONNREFUSED) {
        perror("send");
    }
}

static void receive(struct sock *s) {
    uint8_t buffer[2048];
    for (;;) {
        ssize_t n = recv(s->fd, buffer, sizeof buffer, 0);
        if (n < 0) return; /* EAGAIN, or ECONNREFUSED: the timeout resends */
        if (n < 8 || s->sent_at == 0 || get32(buffer + 4) != s->transaction_id) continue; /* stale */
        uint32_t action = get32(buffer);
        uint64_t now = now_us();
        if (action == 3) {
            if (measuring) refusals++;
            if (refusals == 1 && measuring) fprintf(stderr, "udpload: error answer: %.*s\n", (int) (n - 8), buffer + 8);
        } else if (s->state == CONNECTING) {
            if (action != 0 || n < 16) { malformed++; }
            else {
                s->connection_id = get64(buffer + 8);
                s->connected_at = now;
                s->state = ANNOUNCING;
                if (measuring) connects++;
            }
        } else if (action != 1 || n < 20 || (n - 20) % 6 != 0) {
            malformed++;
        } else if (measuring) {
            uint64_t latency = now - s->sent_at;
            histogram[latency > timeout_us ? timeout_us : latency]++;
            announces++;
        }
        s->sent_at = 0;
        send_request(s);
    }
}

static double percentile(double p) {
    uint64_t target = (uint64_t) (p * (double) announces), seen = 0;
    for (uint64_t us = 0; us <= timeout_us; us++) {
        seen += histogram[us];
        if (seen > target) return (double) us / 1000.0;
    }
    return (double) timeout_us / 1000.0;
}

int main(int argc, char **argv) {
    const char *hash_file = NULL, *target_list = NULL;
    int socket_count = 64;
    double seconds = 10, warmup = 2;
    int opt;
    while ((opt = getopt(argc, argv, "f:t:s:d:w:T:")) != -1) {
        switch (opt) {
            case 'f': hash_file = optarg; break;
            case 't': target_list = optarg; break;
            case 's': socket_count = atoi(optarg); break;
            case 'd': seconds = atof(optarg); break;
            case 'w': warmup = atof(optarg); break;
            case 'T': timeout_us = (uint64_t) atoi(optarg) * 1000; break;
            default: fprintf(stderr, "usage: udpload -f HASHES -t HOST:PORT[,...] [-s SOCKETS] [-d S] [-w S] [-T MS]\n"); return 2;
        }
    }
    if (!hash_file || !target_list || socket_count < 1 || socket_count > MAX_SOCKETS || seconds <= 0 || timeout_us == 0) {
        fprintf(stderr, "udpload: -f and -t are required; 1 <= -s <= %d; -d and -T positive\n", MAX_SOCKETS);
        return 2;
    }
    load_hashes(hash_file);
    histogram = calloc(timeout_us + 1, sizeof *histogram);
    rng ^= (uint64_t) now_us() * 2654435761ULL ^ (uint64_t) getpid();

    struct sockaddr_in targets[MAX_TARGETS];
    int target_count = 0;
    char *list = strdup(target_list);
    for (char *item = strtok(list, ","); item; item = strtok(NULL, ",")) {
        char *colon = strrchr(item, ':');
        if (!colon || target_count == MAX_TARGETS) { fprintf(stderr, "bad target %s\n", item); return 2; }
        *colon = 0;
        memset(&targets[target_count], 0, sizeof targets[0]);
        targets[target_count].sin_family = AF_INET;
        targets[target_count].sin_port = htons((uint16_t) atoi(colon + 1));
        if (inet_pton(AF_INET, item, &targets[target_count].sin_addr) != 1) { fprintf(stderr, "bad address %s\n", item); return 2; }
        target_count++;
    }

    int epoll = epoll_create1(0);
    struct sock *sockets = calloc((size_t) socket_count, sizeof *sockets);
    for (int i = 0; i < socket_count; i++) {
        struct sock *s = &sockets[i];
        s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (s->fd < 0 || connect(s->fd, (struct sockaddr *) &targets[i % target_count], sizeof targets[0]) < 0) {
            perror("socket");
            return 2;
        }
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = s};
        epoll_ctl(epoll, EPOLL_CTL_ADD, s->fd, &event);
        s->state = CONNECTING;
        send_request(s);
    }

    uint64_t start = now_us();
    uint64_t measure_from = start + (uint64_t) (warmup * 1e6);
    uint64_t end = measure_from + (uint64_t) (seconds * 1e6);
    uint64_t last_scan = start;
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epoll, events, 256, 5);
        uint64_t now = now_us();
        if (now >= end) break;
        if (!measuring && now >= measure_from) measuring = 1;
        for (int i = 0; i < n; i++) receive(events[i].data.ptr);
        if (now - last_scan >= 5000) {
            last_scan = now;
            for (int i = 0; i < socket_count; i++) {
                struct sock *s = &sockets[i];
                /* (sent_at may be later than now: answered and sent again in this turn) */
                if (s->sent_at != 0 && now > s->sent_at && now - s->sent_at >= timeout_us) {
                    if (measuring) timeouts++;
                    send_request(s);
                }
            }
        }
    }
    double measured = (double) (now_us() - measure_from) / 1e6;
    printf("announces %llu seconds %.2f rps %.2f p50_ms %.3f p99_ms %.3f refusals %llu timeouts %llu connects %llu malformed %llu\n",
           (unsigned long long) announces, measured, (double) announces / measured, percentile(0.50), percentile(0.99),
           (unsigned long long) refusals, (unsigned long long) timeouts, (unsigned long long) connects,
           (unsigned long long) malformed);
    return 0;
}
