# mail-lab.cmake — end-to-end tests on captures of real IMAP/POP3 software (Dovecot; curl, Python
# imaplib/poplib, openssl s_client; mitm-mail.py in between) made in network namespaces by
# tests/lab/run-mail-lab.sh. They need root, like lab.cmake; each lab run has its own namespaces and
# temp dir, so the two setups may run in parallel with each other and with the SMTP lab.
set(MT_MAIL_SRC ${CMAKE_SOURCE_DIR}/tests/lab)

# The middlebox's capability rewriting on literal responses; no root.
add_test(NAME lab_mail_mitm_proxy_selftest COMMAND python3 ${MT_MAIL_SRC}/mitm-mail.py --self-test)
set_tests_properties(lab_mail_mitm_proxy_selftest PROPERTIES TIMEOUT 30)

if(MAILTAP_LAB_TESTS)
  set(MT_MAIL_OUT ${CMAKE_BINARY_DIR}/lab-mail)
  # Sessions with their protocol, findings with their detail (which must name the protocol).
  set(MT_MAIL_ENV CHECK_CASE_DUMP=${MT_MAIL_SRC}/dump-mail.sql)

  add_test(NAME lab_mail_setup COMMAND ${MT_MAIL_SRC}/run-mail-lab.sh ${MT_MAIL_OUT})
  set_tests_properties(lab_mail_setup PROPERTIES FIXTURES_SETUP lab_mail TIMEOUT 180)

  file(GLOB MT_MAIL_EXPECTED ${MT_MAIL_SRC}/expected-mail/*.txt)
  list(SORT MT_MAIL_EXPECTED)
  foreach(exp ${MT_MAIL_EXPECTED})
    get_filename_component(case ${exp} NAME_WE)
    add_test(NAME lab_${case}
             COMMAND ${MT_MAIL_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MAIL_OUT}/${case}.pcap
                     ${MT_MAIL_OUT}/check/${case} ${exp})
    set_tests_properties(lab_${case} PROPERTIES FIXTURES_REQUIRED lab_mail TIMEOUT 60
                         ENVIRONMENT "${MT_MAIL_ENV}")
  endforeach()

  # Every direct case in one capture and one database: exactly the union.
  add_test(NAME lab_mail_all_in_one
           COMMAND ${MT_MAIL_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MAIL_OUT}/all.pcap
                   ${MT_MAIL_OUT}/check/all ${MT_MAIL_EXPECTED})
  # No password (LOGIN, PASS, AUTHENTICATE/AUTH PLAIN and LOGIN base64) and no message text in
  # anything mailtap writes.
  add_test(NAME lab_mail_secrets
           COMMAND ${MT_MAIL_SRC}/check-secrets.sh --mail $<TARGET_FILE:mailtap> ${MT_MAIL_OUT}/check/secrets
                   ${MT_MAIL_OUT}/imap_no_starttls.pcap ${MT_MAIL_OUT}/imap_authenticate_clear.pcap
                   ${MT_MAIL_OUT}/imap_login_clear.pcap ${MT_MAIL_OUT}/imap_logindisabled_clear.pcap
                   ${MT_MAIL_OUT}/imap_preauth.pcap ${MT_MAIL_OUT}/pop3_no_stls.pcap
                   ${MT_MAIL_OUT}/pop3_user_pass_clear.pcap ${MT_MAIL_OUT}/pop3_auth_clear.pcap
                   ${MT_MAIL_OUT}/imap_login_literal.pcap ${MT_MAIL_OUT}/pop3_apop_clear.pcap)
  set_tests_properties(lab_mail_all_in_one lab_mail_secrets PROPERTIES FIXTURES_REQUIRED lab_mail
                       TIMEOUT 60 ENVIRONMENT "${MT_MAIL_ENV}")

  # The middlebox cases, captured on both sides of the router.
  set(MT_MAIL_MITM_OUT ${MT_MAIL_OUT}/mitm)
  set(MT_MAIL_MITM_EXP ${MT_MAIL_SRC}/expected-mail-mitm)
  add_test(NAME lab_mail_mitm_setup COMMAND ${MT_MAIL_SRC}/run-mail-lab.sh ${MT_MAIL_OUT} mitm)
  set_tests_properties(lab_mail_mitm_setup PROPERTIES FIXTURES_SETUP lab_mail_mitm TIMEOUT 180)

  file(GLOB MT_MAIL_MITM_CLIENT ${MT_MAIL_MITM_EXP}/client/*.txt)
  file(GLOB MT_MAIL_MITM_SERVER ${MT_MAIL_MITM_EXP}/server/*.txt)
  list(SORT MT_MAIL_MITM_CLIENT)
  list(SORT MT_MAIL_MITM_SERVER)
  foreach(exp ${MT_MAIL_MITM_CLIENT})
    get_filename_component(case ${exp} NAME_WE)
    add_test(NAME lab_${case}
             COMMAND ${MT_MAIL_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MAIL_MITM_OUT}/${case}.pcap
                     ${MT_MAIL_MITM_OUT}/check/${case} ${exp})
    add_test(NAME lab_${case}_server
             COMMAND ${MT_MAIL_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MAIL_MITM_OUT}/${case}_server.pcap
                     ${MT_MAIL_MITM_OUT}/check/${case}_server ${MT_MAIL_MITM_EXP}/server/${case}.txt)
    set_tests_properties(lab_${case} lab_${case}_server PROPERTIES FIXTURES_REQUIRED lab_mail_mitm
                         TIMEOUT 60 ENVIRONMENT "${MT_MAIL_ENV}")
  endforeach()
  # The stripped sessions from both sides in one run and one database (exactly the union), and the
  # client side in two runs on one database (the offers of the first run are remembered).
  foreach(case imap_mitm_strip pop3_mitm_strip)
    add_test(NAME lab_${case}_both_sides
             COMMAND ${MT_MAIL_SRC}/check-case.sh $<TARGET_FILE:mailtap>
                     ${MT_MAIL_MITM_OUT}/${case}.pcap,${MT_MAIL_MITM_OUT}/${case}_server.pcap
                     ${MT_MAIL_MITM_OUT}/check/${case}_both ${MT_MAIL_MITM_EXP}/client/${case}.txt
                     ${MT_MAIL_MITM_EXP}/server/${case}.txt)
    add_test(NAME lab_${case}_two_runs
             COMMAND ${MT_MAIL_SRC}/check-case.sh $<TARGET_FILE:mailtap>
                     ${MT_MAIL_MITM_OUT}/${case}_part1.pcap+${MT_MAIL_MITM_OUT}/${case}_part2.pcap
                     ${MT_MAIL_MITM_OUT}/check/${case}_two_runs ${MT_MAIL_MITM_EXP}/client/${case}.txt)
    set_tests_properties(lab_${case}_both_sides lab_${case}_two_runs PROPERTIES
                         FIXTURES_REQUIRED lab_mail_mitm TIMEOUT 60 ENVIRONMENT "${MT_MAIL_ENV}")
  endforeach()
  # Every middlebox case in one capture per side: cross-session evidence must not cross cases.
  add_test(NAME lab_mail_mitm_all_client
           COMMAND ${MT_MAIL_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MAIL_MITM_OUT}/all_client.pcap
                   ${MT_MAIL_MITM_OUT}/check/all_client ${MT_MAIL_MITM_CLIENT})
  add_test(NAME lab_mail_mitm_all_server
           COMMAND ${MT_MAIL_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MAIL_MITM_OUT}/all_server.pcap
                   ${MT_MAIL_MITM_OUT}/check/all_server ${MT_MAIL_MITM_SERVER})
  set_tests_properties(lab_mail_mitm_all_client lab_mail_mitm_all_server PROPERTIES
                       FIXTURES_REQUIRED lab_mail_mitm TIMEOUT 60 ENVIRONMENT "${MT_MAIL_ENV}")
endif()
