# lib.sh — helpers shared by the stress tests (sourced by bash scripts in this directory).
# Each script sets NAME before sourcing.

fail() {
	echo "$NAME: FAIL: $*" >&2
	exit 1
}

skip() {
	echo "$NAME: SKIP: $*" >&2
	exit 77
}

note() {
	echo "$NAME: $*"
}

# need_exe PATH...: every argument is an executable file.
need_exe() {
	for x in "$@"; do
		[ -x "$x" ] || fail "'$x' is not an executable: build it first"
	done
}

# count DB SQL: one integer from the database, or -1 when it cannot be read.
count() {
	sqlite3 -batch -noheader "$1" "$2" 2>/dev/null || echo -1
}

# fresh_dir DIR: an empty work directory.
fresh_dir() {
	rm -rf "$1" && mkdir -p "$1" || fail "cannot create work directory '$1'"
}
