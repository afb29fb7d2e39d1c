# SPDX-License-Identifier: BSD-3-Clause
"""Sequence numbers of a live Linux TCP socket, for scapy tests that write into or about
its connection (root only): read in TCP repair mode, which is left without a probe."""
import socket

# linux/tcp.h
TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ = 19, 20, 21
TCP_RECV_QUEUE, TCP_SEND_QUEUE = 1, 2
TCP_REPAIR_OFF_NO_WP = -1


def seq_pair(sock):
    """(RCV.NXT, SND.NXT) of sock."""
    sock.setsockopt(socket.SOL_TCP, TCP_REPAIR, 1)
    try:
        sock.setsockopt(socket.SOL_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE)
        rcv_nxt = sock.getsockopt(socket.SOL_TCP, TCP_QUEUE_SEQ) & 0xFFFFFFFF
        sock.setsockopt(socket.SOL_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
        snd_nxt = sock.getsockopt(socket.SOL_TCP, TCP_QUEUE_SEQ) & 0xFFFFFFFF
    finally:
        sock.setsockopt(socket.SOL_TCP, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP)
    return rcv_nxt, snd_nxt
