#!/bin/sh
# compressed.sh — captures compressed with gzip or zstd (told by their first bytes, not their name)
# give the database the same packets give uncompressed: pcap and pcapng, several gzip members and
# zstd frames, standard input; a .gz cut short and a damaged .zst are damaged captures (message,
# exit 1) whose sessions before the damage are stored; a plain file named .gz is read as plain.
# Usage: compressed.sh MAILTAP PCAPGEN BENCH_GEN WORKDIR
set -eu
mailtap=$1 pcapgen=$2 gen=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
dump="$here/../tools/dump.sql"
rm -rf "$work" && mkdir -p "$work"
fail=0
LC_ALL=C
export LC_ALL

# run NAME EXPECTED_STATUS mailtap-args...: database dump into NAME.txt, stderr into NAME.err.
# With pipe=FILE set, FILE reaches mailtap's standard input through a pipe.
pipe=
run() {
	name=$1 want=$2
	shift 2
	set +e
	if [ -n "$pipe" ]; then
		rc=$( { { cat "$pipe" | "$mailtap" -q -d "$work/$name.db" "$@" 2>"$work/$name.err"
			echo $? >&3; } 3>&1 >/dev/null; } )
	else
		"$mailtap" -q -d "$work/$name.db" "$@" 2>"$work/$name.err"
		rc=$?
	fi
	pipe=
	set -e
	if [ "$rc" -ne "$want" ]; then
		cat "$work/$name.err" >&2
		echo "compressed.sh: $name: exit $rc, expected $want" >&2
		fail=1
	fi
	sqlite3 -batch -noheader "$work/$name.db" <"$dump" | sort >"$work/$name.txt"
}

# same NAME REFERENCE: NAME's database equals REFERENCE's.
same() {
	if ! diff -u "$work/$2.txt" "$work/$1.txt" >"$work/$1.diff"; then
		head -20 "$work/$1.diff"
		echo "compressed.sh: $1 differs from $2" >&2
		fail=1
	fi
}

# says NAME TEXT: NAME's message contains TEXT.
says() {
	if ! grep -qF -- "$2" "$work/$1.err"; then
		cat "$work/$1.err" >&2
		echo "compressed.sh: $1: no message with '$2'" >&2
		fail=1
	fi
}

"$pcapgen" -o "$work/a.pcap" "$here/../pcap/starttls_offered_unused/input.txt"
"$pcapgen" -o "$work/b.pcap" "$here/../pcap/downgrade_after_refusal/input.txt"
python3 "$here/../tools/pcap2pcapng.py" "$work/a.pcap" "$work/a.pcapng"
python3 "$here/../tools/pcap2pcapng.py" "$work/b.pcap" "$work/b.pcapng"
for f in a.pcap b.pcap a.pcapng b.pcapng; do
	gzip -c "$work/$f" >"$work/$f.gz"
	zstd -q -c "$work/$f" >"$work/$f.zst"
done

# pcap and pcapng, gzip and zstd, several files in order: the plain files' database.
run plain 0 -r "$work/a.pcap" -r "$work/b.pcap"
[ "$(wc -l <"$work/plain.txt")" -gt 3 ] || { echo "compressed.sh: nothing decoded from the plain files" >&2; exit 1; }
grep -q tls_downgrade "$work/plain.txt" || { echo "compressed.sh: the second file was not read" >&2; exit 1; }
run gz 0 -r "$work/a.pcap.gz" -r "$work/b.pcap.gz"
same gz plain
run zst 0 -r "$work/a.pcap.zst" -r "$work/b.pcap.zst"
same zst plain
run ng_gz 0 -r "$work/a.pcapng.gz" -r "$work/b.pcapng.gz"
same ng_gz plain
run ng_zst 0 -r "$work/a.pcapng.zst" -r "$work/b.pcapng.zst"
same ng_zst plain
run mixed 0 -r "$work/a.pcapng.zst" -r "$work/b.pcap.gz"
same mixed plain

# Standard input: a pipe (the first bytes looked at, then given back) and a redirected file.
pipe="$work/b.pcap.gz" run stdin_gz 0 -r "$work/a.pcap" -r -
same stdin_gz plain
pipe="$work/b.pcapng.zst" run stdin_zst 0 -r "$work/a.pcapng.gz" -r -
same stdin_zst plain
run stdin_file 0 -r "$work/a.pcap.zst" -r - <"$work/b.pcapng.gz"
same stdin_file plain

# The name says nothing: a plain pcap named .gz and a pcapng named .zst are read as they are.
cp "$work/a.pcap" "$work/plain-a.pcap.gz"
cp "$work/b.pcapng" "$work/plain-b.pcapng.zst"
run misnamed 0 -r "$work/plain-a.pcap.gz" -r "$work/plain-b.pcapng.zst"
same misnamed plain
# A format not read here is named.
if command -v xz >/dev/null; then
	xz -c "$work/a.pcap" >"$work/a.pcap.xz"
	run xz 1 -r "$work/a.pcap.xz"
	says xz "compressed with xz"
fi

# A larger capture with many sessions, for members, frames and damage in the middle.
"$gen" --size-mb 6 --seed 5 -o "$work/l.pcap" -t "$work/l.truth" >/dev/null
size=$(stat -c %s "$work/l.pcap")
half=$((size / 2))
head -c "$half" "$work/l.pcap" >"$work/l1"
tail -c +"$((half + 1))" "$work/l.pcap" >"$work/l2"
run large 0 -r "$work/l.pcap"
[ "$(grep -c '^session' "$work/large.txt")" -gt 5 ] || { echo "compressed.sh: too few sessions in l.pcap" >&2; exit 1; }
# Two gzip members (RFC 1952 §2.2) and two zstd frames, split inside a record.
{ gzip -c "$work/l1"; gzip -c "$work/l2"; } >"$work/l-members.gz"
run members 0 -r "$work/l-members.gz"
same members large
zstd -q -c "$work/l1" >"$work/l-frames.zst"
zstd -q -c "$work/l2" >>"$work/l-frames.zst"
run frames 0 -r "$work/l-frames.zst"
same frames large

# A capture filter applies to decompressed frames as to plain ones.
run bpf_plain 0 -r "$work/l.pcap" 'tcp port 25'
run bpf_zst 0 -r "$work/l-frames.zst" 'tcp port 25'
same bpf_zst bpf_plain
cmp -s "$work/bpf_plain.txt" "$work/large.txt" && { echo "compressed.sh: the filter changed nothing" >&2; fail=1; }

# A .gz cut in the middle: exactly what the decompressible part gives as a damaged plain file.
gzip -c "$work/l.pcap" >"$work/l.pcap.gz"
head -c "$(($(stat -c %s "$work/l.pcap.gz") / 2))" "$work/l.pcap.gz" >"$work/cut.pcap.gz"
python3 -c 'import sys, zlib
sys.stdout.buffer.write(zlib.decompressobj(31).decompress(open(sys.argv[1], "rb").read()))' \
	"$work/cut.pcap.gz" >"$work/cut.pcap"
run cut_plain 1 -r "$work/cut.pcap"
run cut_gz 1 -r "$work/cut.pcap.gz"
same cut_gz cut_plain
says cut_gz "damaged capture file '$work/cut.pcap.gz': the gzip data ends early"
says cut_gz "the frames before the damage were read"
[ "$(grep -c '^session' "$work/cut_gz.txt")" -gt 2 ] ||
	{ echo "compressed.sh: no sessions stored before the cut" >&2; fail=1; }
# The same through standard input.
pipe="$work/cut.pcap.gz" run cut_gz_stdin 1 -r -
same cut_gz_stdin cut_plain
says cut_gz_stdin "damaged capture file '-': the gzip data ends early"

# A .zst whose second frame does not start like one: exactly the first half, damaged.
run half_plain 1 -r "$work/l1"
cp "$work/l-frames.zst" "$work/badframe.zst"
f1=$(zstd -q -c "$work/l1" | wc -c)
printf 'XXXX' | dd of="$work/badframe.zst" bs=1 seek="$f1" conv=notrunc 2>/dev/null
run badframe 1 -r "$work/badframe.zst"
same badframe half_plain
says badframe "damaged capture file '$work/badframe.zst': zstd data damaged at compressed byte $f1 "
# Bytes overwritten inside the second frame (found at the latest by its checksum): every session
# of the first half is stored as it is.
cp "$work/l-frames.zst" "$work/corrupt.zst"
total=$(stat -c %s "$work/corrupt.zst")
printf '\377\377\377\377\377\377\377\377' |
	dd of="$work/corrupt.zst" bs=1 seek="$((f1 + (total - f1) / 2))" conv=notrunc 2>/dev/null
run corrupt 1 -r "$work/corrupt.zst"
says corrupt "damaged capture file '$work/corrupt.zst': zstd data damaged at compressed byte"
if [ -n "$(comm -23 "$work/half_plain.txt" "$work/corrupt.txt")" ]; then
	comm -23 "$work/half_plain.txt" "$work/corrupt.txt" | head
	echo "compressed.sh: sessions before the damage are missing" >&2
	fail=1
fi
# A truncated zstd file, and damage with more files to come: the next file is still read.
head -c "$((f1 + 100))" "$work/l-frames.zst" >"$work/cut.zst"
run cut_zst 1 -r "$work/cut.zst" -r "$work/a.pcap.gz"
says cut_zst "damaged capture file '$work/cut.zst': the zstd data ends early"
grep -q 'starttls_not_used' "$work/cut_zst.txt" ||
	{ echo "compressed.sh: the file after a damaged one was not read" >&2; fail=1; }

[ $fail -eq 0 ] || exit 1
echo "compressed.sh: gzip and zstd captures (pcap, pcapng, members, frames, stdin, damage) agree with plain ones"
