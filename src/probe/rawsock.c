/*
 * rawsock.c - classic BPF and ICMP type filters for raw sockets; see rawsock.h.
 * An IPv4 raw socket's filter sees the IP header first (its length is in the
 * low nibble of byte 0: BPF_MSH loads 4 * that into X); an IPv6 one does not.
 */
#include "probe/rawsock.h"

#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "probe/icmp_wire.h"

/* struct icmp_filter from <linux/icmp.h>, which clashes with <netinet/in.h> */
#define ICMP_FILTER_OPT 1

static void attach(int fd, struct sock_filter *code, size_t n)
{
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = code};
	(void)setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

/* X = offset of the transport header: the IPv4 header length, or 0 */
static struct sock_filter load_l4_offset(int family)
{
	return family == AF_INET6 ? (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 0)
	                          : (struct sock_filter)BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0);
}

void rawsock_icmp_types(int fd, int family, const uint8_t *pass, size_t n)
{
	if (family == AF_INET6) {
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		for (size_t i = 0; i < n; i++)
			ICMP6_FILTER_SETPASS(pass[i], &f);
		(void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
		return;
	}
	uint32_t block = ~0u;
	for (size_t i = 0; i < n; i++)
		if (pass[i] < 32)
			block &= ~(1u << pass[i]);
	(void)setsockopt(fd, SOL_RAW, ICMP_FILTER_OPT, &block, sizeof block);
}

void rawsock_echo_id_filter(int fd, int family, uint16_t id)
{
	bool v6 = family == AF_INET6;
	struct sock_filter code[] = {
	    load_l4_offset(family),
	    BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0), /* type */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v6 ? ICMP6_ECHO_REPLY : ICMP4_ECHO_REPLY, 0, 3),
	    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4), /* identifier */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, id, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	    BPF_STMT(BPF_RET | BPF_K, 0xffff),
	};
	attach(fd, code, sizeof code / sizeof code[0]);
}

void rawsock_tcp_port_filter(int fd, int family, uint16_t port)
{
	struct sock_filter code[] = {
	    load_l4_offset(family),
	    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2), /* destination port */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, 0xffff),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	};
	attach(fd, code, sizeof code / sizeof code[0]);
}

void rawsock_drop_all(int fd)
{
	struct sock_filter code[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
	attach(fd, code, 1);
}
