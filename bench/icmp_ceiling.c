/*
 * icmp_ceiling.c - the machine's own ICMP echo ceiling, for bench/probe.sh.
 *
 * The least a prober can do: one raw IPv4 ICMP socket, echo requests to N
 * distinct loopback addresses (127.0.0.1 + i) sent in sendmmsg batches of 64
 * while fewer than WINDOW are outstanding, replies counted with non-blocking
 * recvmmsg (busy loop), no per-target state, no output per target. Like
 * blackout it asks the kernel to filter out all ICMP but echo replies
 * (ICMP_FILTER), so neither reads its own looped-back requests.
 *
 * Usage: icmp_ceiling [N [WINDOW [WAIT_MS]]]   (defaults 65535 4096 500)
 * Prints: "sent S received R elapsed_s E rate_per_s P" (rate = received/elapsed).
 * Loopback only: the destination is always inside 127.0.0.0/8.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define ICMP_FILTER_OPT 1

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)(p[0] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 65535;
	uint32_t window = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 4096;
	int64_t wait_us = (argc > 3 ? strtoll(argv[3], NULL, 10) : 500) * 1000;
	if (n == 0 || n > (1u << 24) - 2 || window == 0) {
		fprintf(stderr, "usage: icmp_ceiling [N (1..16777214) [WINDOW [WAIT_MS]]]\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
	if (fd < 0) {
		perror("socket (needs root or CAP_NET_RAW)");
		return 1;
	}
	int sz = 8 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	uint32_t block = ~(1u << 0); /* echo replies only */
	(void)setsockopt(fd, SOL_RAW, ICMP_FILTER_OPT, &block, sizeof block);
	uint16_t id = (uint16_t)getpid();

	static struct mmsghdr smsg[BATCH], rmsg[BATCH];
	static struct iovec siov[BATCH], riov[BATCH];
	static struct sockaddr_in dst[BATCH];
	static uint8_t pkt[BATCH][36], rbuf[BATCH][256];
	for (int j = 0; j < BATCH; j++) {
		siov[j] = (struct iovec){pkt[j], sizeof pkt[j]};
		smsg[j].msg_hdr = (struct msghdr){.msg_name = &dst[j],
		                                  .msg_namelen = sizeof dst[j],
		                                  .msg_iov = &siov[j],
		                                  .msg_iovlen = 1};
		riov[j] = (struct iovec){rbuf[j], sizeof rbuf[j]};
		rmsg[j].msg_hdr = (struct msghdr){.msg_iov = &riov[j], .msg_iovlen = 1};
	}
	uint32_t sent = 0, received = 0;
	int64_t t0 = now_us(), last_send = t0;
	for (;;) {
		while (sent < n && sent - received < window) {
			uint32_t k = n - sent, room = window - (sent - received);
			if (k > room)
				k = room;
			if (k > BATCH)
				k = BATCH;
			for (uint32_t j = 0; j < k; j++) {
				uint32_t a = 0x7f000001u + sent + j; /* 127.0.0.1 + i */
				dst[j] = (struct sockaddr_in){.sin_family = AF_INET,
				                              .sin_addr.s_addr = htonl(a)};
				uint8_t *p = pkt[j];
				memset(p, 0, sizeof pkt[j]);
				p[0] = 8;
				p[4] = (uint8_t)(id >> 8);
				p[5] = (uint8_t)id;
				p[6] = (uint8_t)((sent + j) >> 8);
				p[7] = (uint8_t)(sent + j);
				uint16_t c = csum(p, sizeof pkt[j]);
				p[2] = (uint8_t)(c >> 8);
				p[3] = (uint8_t)c;
			}
			int r = sendmmsg(fd, smsg, k, 0);
			if (r <= 0)
				break; /* socket full: receive first */
			sent += (uint32_t)r;
			last_send = now_us();
		}
		int r = recvmmsg(fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
		for (int j = 0; j < r; j++) {
			const uint8_t *p = rbuf[j];
			size_t hl = (size_t)(p[0] & 15) * 4;
			if (rmsg[j].msg_len >= hl + 8 && p[hl] == 0 &&
			    p[hl + 4] == (uint8_t)(id >> 8) && p[hl + 5] == (uint8_t)id)
				received++;
		}
		if (received >= n)
			break;
		if (r <= 0 && sent >= n && now_us() - last_send > wait_us)
			break;
	}
	double el = (double)(now_us() - t0) / 1e6;
	printf("sent %u received %u elapsed_s %.4f rate_per_s %.0f\n", sent, received, el,
	       received / el);
	close(fd);
	return received == n ? 0 : 1;
}
