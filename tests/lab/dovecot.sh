# dovecot.sh — one Dovecot (IMAP and POP3) with its own config, base and state dirs in the lab's temp
# dir, listening only on the server namespace's addresses, plus the PREAUTH listener (imap-preauth.py).
# Sourced by run-mail-lab.sh after lib.sh (uses LAB_DIR, LAB_USER, LAB_PASS, lab_srv, lab_log, lab_die).

LAB_DOVECOT_UP=0
LAB_PREAUTH_PID=""
# Server addresses (all in mt-srv-ID): see tests/lab/README.md "Dovecot listeners".
LAB_DV_TLS=192.0.2.101		# ssl=yes: STARTTLS/STLS offered on 143/110, implicit TLS on 993/995
LAB_DV_CLEAR=192.0.2.102	# ssl=no: no STARTTLS/STLS
LAB_DV_LOGINDISABLED=192.0.2.103	# ssl=yes, disable_plaintext_auth=yes: LOGINDISABLED, no USER
LAB_DV_PREAUTH=192.0.2.104	# :143 Dovecot's imap binary started per connection, already logged in
LAB_DV_PLAIN_TLSPORT=192.0.2.105	# plaintext IMAP on 993 and POP3 on 995 (STARTTLS/STLS offered)
LAB_DV_MITM="192.0.2.111 192.0.2.112 192.0.2.113 192.0.2.114 192.0.2.115 192.0.2.116 192.0.2.117
 192.0.2.121 192.0.2.122 192.0.2.123 192.0.2.124 192.0.2.125"	# behind the middlebox, ssl=yes
# The one message in the test mailbox; its text must never appear in mailtap's outputs.
LAB_MSG_BODY="lab-message-body-7Qx9 do not store"

# Stop Dovecot (master pid from base_dir) and the PREAUTH listener; safe to call twice.
lab_dovecot_cleanup() {
	local pidf="$LAB_DIR/dovecot/base/master.pid" i
	if [ -n "$LAB_PREAUTH_PID" ]; then
		kill -TERM "$LAB_PREAUTH_PID" 2>/dev/null
		wait "$LAB_PREAUTH_PID" 2>/dev/null
		LAB_PREAUTH_PID=""
	fi
	if [ "$LAB_DOVECOT_UP" = 1 ]; then
		[ -s "$pidf" ] && kill -TERM "$(cat "$pidf")" 2>/dev/null
		for i in $(seq 1 50); do
			[ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null || break
			sleep 0.1
		done
		[ -s "$pidf" ] && kill -KILL "$(cat "$pidf")" 2>/dev/null
		LAB_DOVECOT_UP=0
	fi
	return 0
}

# A self-signed certificate for imap.example.test, made now (RFC 5280 v3 with a SAN).
lab_dovecot_cert() {
	local d="$LAB_DIR/dovecot"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/self.key" -out "$d/self.crt" -days 3650 \
		-subj "/CN=imap.example.test" -addext "subjectAltName=DNS:imap.example.test" 2>/dev/null \
		|| lab_die "openssl could not make Dovecot's certificate"
	chmod 600 "$d/self.key"
}

# The mailbox: Maildir of LAB_USER (uid nobody) with one message.
lab_dovecot_mailbox() {
	local m="$LAB_DIR/dovecot/mail/$LAB_USER/Maildir"
	mkdir -p "$m/cur" "$m/new" "$m/tmp"
	printf 'From: it@example.test\r\nTo: %s@example.test\r\nSubject: lab message\r\nDate: Thu, 03 Dec 2026 06:00:00 +0000\r\nMessage-ID: <lab-1@example.test>\r\n\r\n%s\r\n' \
		"$LAB_USER" "$LAB_MSG_BODY" >"$m/cur/1700000000.M1P1.lab:2,S"
	chown -R nobody:nogroup "$LAB_DIR/dovecot/mail"
	printf '%s:{PLAIN}%s:65534:65534::%s\n' "$LAB_USER" "$LAB_PASS" "$LAB_DIR/dovecot/mail/$LAB_USER" \
		>"$LAB_DIR/dovecot/passwd"
	chown root:dovecot "$LAB_DIR/dovecot/passwd"	# read by the auth process (user dovecot)
	chmod 640 "$LAB_DIR/dovecot/passwd"
}

# dovecot.conf: no include of the system config; every listener on an explicit lab address.
lab_dovecot_conf() {
	local d="$LAB_DIR/dovecot" all="$LAB_DV_TLS $LAB_DV_CLEAR $LAB_DV_LOGINDISABLED $LAB_DV_MITM"
	cat >"$d/dovecot.conf" <<-EOF
	base_dir = $d/base
	state_dir = $d/state
	instance_name = mailtap-lab-$LAB_ID
	log_path = $d/dovecot.log
	protocols = imap pop3
	listen = $(echo $all $LAB_DV_PLAIN_TLSPORT)
	ssl = yes
	ssl_cert = <$d/self.crt
	ssl_key = <$d/self.key
	# the cleartext-login cases: LOGIN, AUTHENTICATE PLAIN, USER/PASS accepted before TLS
	disable_plaintext_auth = no
	# apop: POP3 APOP (RFC 1939 §7), with the timestamp it needs in the POP3 greeting
	auth_mechanisms = plain login apop
	mail_location = maildir:~/Maildir
	first_valid_uid = 1000
	mail_privileged_group =
	login_greeting = Dovecot lab ready.
	passdb {
	  driver = passwd-file
	  args = $d/passwd
	}
	userdb {
	  driver = passwd-file
	  args = $d/passwd
	}
	service imap-login {
	  inet_listener imap {
	    address = $(echo $all)
	    port = 143
	  }
	  inet_listener imaps {
	    address = $LAB_DV_TLS
	    port = 993
	    ssl = yes
	  }
	  # not a mail port mailtap knows: found by the greeting
	  inet_listener imap_other {
	    address = $LAB_DV_TLS
	    port = 1143
	  }
	  # misconfigured: plaintext IMAP on the implicit-TLS port
	  inet_listener imap_plain993 {
	    address = $LAB_DV_PLAIN_TLSPORT
	    port = 993
	  }
	}
	service pop3-login {
	  inet_listener pop3 {
	    address = $(echo $all)
	    port = 110
	  }
	  inet_listener pop3s {
	    address = $LAB_DV_TLS
	    port = 995
	    ssl = yes
	  }
	  inet_listener pop3_other {
	    address = $LAB_DV_TLS
	    port = 1110
	  }
	  inet_listener pop3_plain995 {
	    address = $LAB_DV_PLAIN_TLSPORT
	    port = 995
	  }
	}
	local $LAB_DV_CLEAR {
	  ssl = no
	}
	local $LAB_DV_LOGINDISABLED {
	  disable_plaintext_auth = yes
	}
	EOF
}

# Dovecot in the server namespace; returns once every listener is up.
lab_dovecot_up() {
	local d="$LAB_DIR/dovecot" a i here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	mkdir -p "$d/base" "$d/state"
	lab_dovecot_cert
	lab_dovecot_mailbox
	lab_dovecot_conf
	lab_srv dovecot -c "$d/dovecot.conf" >"$d/start.log" 2>&1 \
		|| { cat "$d/start.log" "$d/dovecot.log" >&2 2>/dev/null; lab_die "dovecot did not start (config $d/dovecot.conf)"; }
	LAB_DOVECOT_UP=1
	# The master writes its pid file after it has gone to the background, so the foreground
	# process may return before the file exists (seen on a loaded machine): wait for it.
	for i in $(seq 1 300); do
		[ -s "$d/base/master.pid" ] && break
		sleep 0.1
	done
	[ -s "$d/base/master.pid" ] || { cat "$d/start.log" "$d/dovecot.log" >&2 2>/dev/null; lab_die "dovecot wrote no $d/base/master.pid within 30 s"; }
	# Dovecot must live in the server namespace only (its listeners cannot reach the host's).
	local want got
	want=$(lab_srv readlink /proc/self/ns/net)
	got=$(readlink "/proc/$(cat "$d/base/master.pid")/ns/net")
	[ -n "$want" ] && [ "$got" = "$want" ] || lab_die "dovecot runs in network namespace '$got', not in $LAB_NS_SRV ('$want')"
	# PREAUTH: Dovecot's imap binary run per connection as an already-authenticated user (the
	# rsh/ssh/inetd preauth setup, RFC 9051 §7.1.4), behind a small accept loop.
	ip netns exec "$LAB_NS_SRV" python3 "$here/imap-preauth.py" "$LAB_DV_PREAUTH" 143 "$d/dovecot.conf" "$LAB_USER" \
		>"$d/preauth.out" 2>&1 &
	LAB_PREAUTH_PID=$!
	for a in $LAB_DV_TLS:143 $LAB_DV_TLS:993 $LAB_DV_TLS:110 $LAB_DV_TLS:995 $LAB_DV_CLEAR:143 \
		$LAB_DV_CLEAR:110 $LAB_DV_LOGINDISABLED:143 $LAB_DV_PREAUTH:143 ${LAB_DV_MITM##* }:110 \
		$LAB_DV_TLS:1143 $LAB_DV_TLS:1110 $LAB_DV_PLAIN_TLSPORT:993 $LAB_DV_PLAIN_TLSPORT:995; do
		for i in $(seq 1 300); do	# up to 30 s on a loaded machine
			lab_srv ss -ltn "( sport = :${a#*:} )" | grep -q "${a%:*}:${a#*:} " && break
			sleep 0.1
		done
		[ "$i" -lt 300 ] || { cat "$d/dovecot.log" "$d/preauth.out" >&2 2>/dev/null; lab_die "nothing listens on $a"; }
	done
}
