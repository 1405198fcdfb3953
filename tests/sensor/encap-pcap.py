#!/usr/bin/env python3
# encap-pcap.py — wrap every frame of a capture in one tunnel encapsulation per output file, built with scapy's layers.
"""Usage: encap-pcap.py IN.pcap OUTDIR       writes OUTDIR/<name>.pcap for every name in ENCAPS
                                            and OUTDIR/neg_vxlan_no_i.pcap (the negative case)
       encap-pcap.py --list                 prints the names, one a line

The encapsulations come from scapy (an implementation independent of mailtap's decoder). Each
output frame keeps the input frame's timestamp. The inner frame's bytes are the input's, checked
byte for byte. Outer addresses are documentation ranges (RFC 5737, RFC 3849). When the tunnel
carries a whole Ethernet frame the outer MACs are made up (02:00:5e:99:...): the inner frame's
MACs must win. When it carries only IP (GRE-IP, IPIP, MPLS-IP, PPPoE) the outer Ethernet header
gets the input frame's MACs, which the packet keeps.
"""
import sys

from scapy.contrib.erspan import ERSPAN_I, ERSPAN_II, ERSPAN_III, ERSPAN_PlatformSpecific
from scapy.contrib.geneve import GENEVE, GeneveOptions
from scapy.contrib.mpls import MPLS, EoMCW
from scapy.contrib.tzsp import TZSP, TZSPTagEnd, TZSPTagPacketCount, TZSPTagPadding
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import GRE, Ether
from scapy.layers.ppp import PPP, PPPoE
from scapy.layers.vxlan import VXLAN
from scapy.utils import PcapReader, PcapWriter

# Underlay: RFC 5737 TEST-NET-2 and RFC 3849 documentation IPv6 addresses; MACs of the tunnel
# endpoints, distinct from every MAC in the input.
U4_A, U4_B = "198.51.100.1", "198.51.100.2"
U4_C, U4_D = "203.0.113.1", "203.0.113.2"     # the middle hop of VXLAN-in-GRE
U6_A, U6_B = "2001:db8:e::1", "2001:db8:e::2"
TUN_SRC, TUN_DST = "02:00:5e:99:00:01", "02:00:5e:99:00:02"
VNI = 4242


def outer_eth(frame, keep_macs, etype):
    """The outer Ethernet header: the frame's MACs for IP-only payloads, the tunnel's otherwise."""
    if keep_macs:
        return Ether(src=frame.src, dst=frame.dst, type=etype)
    return Ether(src=TUN_SRC, dst=TUN_DST, type=etype)


def vxlan(frame, seq, flags=0x08):
    # RFC 7348 section 5: flags 0x08 (I) and the VNI. Set explicitly: scapy's VXLAN/Ether default
    # is 0x0C (VXLAN-GPE's next-protocol bit), which is not plain VXLAN.
    return (outer_eth(frame, False, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64) /
            UDP(sport=50000, dport=4789) / VXLAN(flags=flags, vni=VNI) / frame)


def geneve(frame, seq):
    # RFC 8926: one 8-byte option TLV (class 0x0102, type 0x01 non-critical, 4 data bytes) that must be skipped.
    opt = GeneveOptions(classid=0x0102, type=0x01, data=b"\x00\x01\x02\x03")
    return (outer_eth(frame, False, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64) /
            UDP(sport=50001, dport=6081) / GENEVE(proto=0x6558, vni=VNI, options=[opt]) / frame)


def gre_ip(frame, seq):
    # RFC 2890: key and sequence number present; GRE carries the IPv4 packet only.
    return (outer_eth(frame, True, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64, proto=47) /
            GRE(key_present=1, key=0x0badcafe, seqnum_present=1, sequence_number=seq, proto=0x0800) /
            frame[IP])


def gre_ipv6_outer(frame, seq):
    # GRE over IPv6 (RFC 7676), with the RFC 2784 checksum present (scapy computes it).
    return (outer_eth(frame, True, 0x86DD) / IPv6(src=U6_A, dst=U6_B, nh=47, hlim=64) /
            GRE(chksum_present=1, proto=0x0800) / frame[IP])


def gre_teb(frame, seq):
    # Transparent Ethernet bridging (0x6558): the whole frame.
    return (outer_eth(frame, False, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64, proto=47) /
            GRE(proto=0x6558) / frame)


def erspan_i(frame, seq):
    # ERSPAN type I: GRE 0x88BE without a sequence number and no ERSPAN header.
    return (outer_eth(frame, False, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64, proto=47) /
            GRE(proto=0x88BE) / ERSPAN_I() / frame)


def erspan_ii(frame, seq):
    # ERSPAN type II: GRE 0x88BE with a sequence number, 8-byte header (version 1).
    return (outer_eth(frame, False, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64, proto=47) /
            GRE(proto=0x88BE, seqnum_present=1, sequence_number=seq) /
            ERSPAN_II(ver=1, session_id=7, index=3) / frame)


def erspan_iii(frame, seq, platform=False):
    # ERSPAN type III: GRE 0x22EB, 12-byte header (version 2); with O set an 8-byte platform
    # specific subheader follows.
    hdr = ERSPAN_III(ver=2, session_id=7, timestamp=seq * 1000, gra=1, o=1 if platform else 0)
    if platform:
        hdr = hdr / ERSPAN_PlatformSpecific(platf_id=3, info1=0x12345, info2=0xdeadbeef)
    return (outer_eth(frame, False, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64, proto=47) /
            GRE(proto=0x22EB, seqnum_present=1, sequence_number=seq) / hdr / frame)


def erspan_iii_platform(frame, seq):
    return erspan_iii(frame, seq, platform=True)


def mpls1(frame, seq):
    # RFC 3032: one label, bottom of stack, IPv4 after it.
    return outer_eth(frame, True, 0x8847) / MPLS(label=16001, s=1, ttl=64) / frame[IP]


def mpls2(frame, seq):
    return (outer_eth(frame, True, 0x8847) / MPLS(label=16001, s=0, ttl=64) /
            MPLS(label=24002, s=1, ttl=64) / frame[IP])


def mpls_pw(frame, seq):
    # Ethernet pseudowire (RFC 4448) with the RFC 4385 control word (first nibble 0) after the
    # bottom label; the whole frame follows.
    return (outer_eth(frame, False, 0x8847) / MPLS(label=16001, s=0, ttl=64) /
            MPLS(label=300, s=1, ttl=64) / EoMCW(seq=seq & 0xffff) / frame)


def pppoe(frame, seq):
    # RFC 2516 session stage (0x8864), PPP protocol 0x0021 (IPv4).
    return (outer_eth(frame, True, 0x8864) / PPPoE(code=0, sessionid=0x1234) / PPP(proto=0x0021) /
            frame[IP])


def ipip(frame, seq):
    # RFC 2003 IP in IP (protocol 4).
    return outer_eth(frame, True, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64, proto=4) / frame[IP]


def ip4in6(frame, seq):
    # RFC 2473: IPv4 in IPv6 (next header 4).
    return outer_eth(frame, True, 0x86DD) / IPv6(src=U6_A, dst=U6_B, nh=4, hlim=64) / frame[IP]


def vxlan_in_gre(frame, seq):
    # Two levels: VXLAN (whole frame) inside IPv4 inside GRE.
    inner = IP(src=U4_C, dst=U4_D, ttl=64) / UDP(sport=50002, dport=4789) / VXLAN(flags=0x08, vni=VNI) / frame
    return (outer_eth(frame, False, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64, proto=47) /
            GRE(proto=0x0800) / inner)


def tzsp(frame, seq):
    # TZSP as MikroTik's packet sniffer streams it: version 1, received, Ethernet; a padding tag,
    # a packet-count tag (with a length) and END before the frame.
    return (outer_eth(frame, False, 0x0800) / IP(src=U4_A, dst=U4_B, ttl=64) /
            UDP(sport=50003, dport=37008) / TZSP(version=1, type=0, encapsulated_protocol=1) /
            TZSPTagPadding() / TZSPTagPacketCount(packet_count=seq) / TZSPTagEnd() / frame)


def neg_vxlan_no_i(frame, seq):
    # Not VXLAN: UDP to 4789 with the I flag clear (RFC 7348: must be 1 for a valid VNI).
    return vxlan(frame, seq, flags=0x00)


ENCAPS = [
    ("vxlan", vxlan), ("geneve", geneve), ("gre_ip", gre_ip), ("gre_ipv6_outer", gre_ipv6_outer),
    ("gre_teb", gre_teb), ("erspan_i", erspan_i), ("erspan_ii", erspan_ii),
    ("erspan_iii", erspan_iii), ("erspan_iii_platform", erspan_iii_platform),
    ("mpls1", mpls1), ("mpls2", mpls2), ("mpls_pw", mpls_pw), ("pppoe", pppoe), ("ipip", ipip),
    ("ip4in6", ip4in6), ("vxlan_in_gre", vxlan_in_gre), ("tzsp", tzsp),
]
NEGATIVE = [("neg_vxlan_no_i", neg_vxlan_no_i)]


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(name for name, _ in ENCAPS))
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, outdir = argv[1], argv[2]
    frames = []
    with PcapReader(src) as rd:
        for pkt in rd:
            raw = bytes(pkt)
            # Every inner frame must be the capture's bytes: reparse and compare.
            if not isinstance(pkt, Ether) or bytes(Ether(raw)) != raw or IP not in pkt:
                print(f"encap-pcap: {src}: frame {len(frames) + 1} is not plain Ethernet/IPv4", file=sys.stderr)
                return 1
            frames.append(pkt)
    for name, wrap in ENCAPS + NEGATIVE:
        out = f"{outdir}/{name}.pcap"
        with PcapWriter(out, linktype=1, sync=False) as wr:
            for seq, frame in enumerate(frames, 1):
                pkt = wrap(frame, seq)
                wire = bytes(pkt)
                inner = bytes(frame) if Ether in pkt.payload else bytes(frame[IP])
                if not wire.endswith(inner):
                    print(f"encap-pcap: {name}: frame {seq}: inner bytes changed", file=sys.stderr)
                    return 1
                pkt.time = frame.time
                wr.write(pkt)
        print(f"encap-pcap: {name}: {len(frames)} frames -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
