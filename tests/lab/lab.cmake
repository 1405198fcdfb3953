# lab.cmake — end-to-end tests on captures of real mail software (Postfix, swaks, openssl) made in
# network namespaces by tests/lab/run-lab.sh. They need root; without it lab_setup fails with a message
# saying so (configure with -DMAILTAP_LAB_TESTS=OFF where root is not available).
set(MT_LAB_SRC ${CMAKE_SOURCE_DIR}/tests/lab)

# tests/data/sample.pcap is committed: checking it needs no root, so it is registered always.
add_test(NAME data_sample
         COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${CMAKE_SOURCE_DIR}/tests/data/sample.pcap
                 ${CMAKE_BINARY_DIR}/data-sample
                 ${MT_LAB_SRC}/expected/plain_no_starttls.txt ${MT_LAB_SRC}/expected/starttls_not_used.txt
                 ${MT_LAB_SRC}/expected/auth_plain_clear.txt ${MT_LAB_SRC}/expected/starttls_tls13.txt
                 ${MT_LAB_SRC}/expected/implicit_tls.txt ${MT_LAB_SRC}/expected/starttls_refused.txt)
set_tests_properties(data_sample PROPERTIES TIMEOUT 60)

# The middlebox's reply rewriting (strip/mask, continuation marks) on literal replies; no root.
add_test(NAME lab_mitm_proxy_selftest COMMAND python3 ${MT_LAB_SRC}/mitm.py --self-test)
set_tests_properties(lab_mitm_proxy_selftest PROPERTIES TIMEOUT 30)

if(MAILTAP_LAB_TESTS)
  set(MT_LAB_OUT ${CMAKE_BINARY_DIR}/lab)

  # Builds the lab, captures every case into ${MT_LAB_OUT}/<case>.pcap, tears the lab down.
  add_test(NAME lab_setup COMMAND ${MT_LAB_SRC}/run-lab.sh ${MT_LAB_OUT})
  set_tests_properties(lab_setup PROPERTIES FIXTURES_SETUP lab TIMEOUT 180 RUN_SERIAL TRUE)

  file(GLOB MT_LAB_EXPECTED ${MT_LAB_SRC}/expected/*.txt)
  list(SORT MT_LAB_EXPECTED)
  foreach(exp ${MT_LAB_EXPECTED})
    get_filename_component(case ${exp} NAME_WE)
    add_test(NAME lab_${case}
             COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_LAB_OUT}/${case}.pcap
                     ${MT_LAB_OUT}/check/${case} ${exp})
    set_tests_properties(lab_${case} PROPERTIES FIXTURES_REQUIRED lab TIMEOUT 60)
  endforeach()

  # All cases in one capture and one database: sessions of the same device and server meet in the
  # cross-session evidence (downgrade, stripping over time), which must not add or lose findings.
  add_test(NAME lab_all_in_one
           COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_LAB_OUT}/all.pcap
                   ${MT_LAB_OUT}/check/all ${MT_LAB_EXPECTED})
  set_tests_properties(lab_all_in_one PROPERTIES FIXTURES_REQUIRED lab TIMEOUT 60)

  # No AUTH secret in anything mailtap writes (database, WAL, JSON, stdout/stderr, reports).
  add_test(NAME lab_secrets
           COMMAND ${MT_LAB_SRC}/check-secrets.sh $<TARGET_FILE:mailtap> ${MT_LAB_OUT}/check/secrets
                   ${MT_LAB_OUT}/auth_plain_clear.pcap ${MT_LAB_OUT}/auth_login_clear.pcap)
  set_tests_properties(lab_secrets PROPERTIES FIXTURES_REQUIRED lab TIMEOUT 60)

  # The same Postfix and swaks over a real VXLAN underlay (run-lab.sh --vxlan: the lab's addresses on
  # Linux VXLAN devices, VNI 4242, UDP 4789, over the veth pair; captured on the underlay): each case
  # must decode to the plain lab's expected file. Own LAB_ID, namespaces and temp dir, so it may run
  # beside the other labs.
  set(MT_VXLAN_OUT ${CMAKE_BINARY_DIR}/lab-vxlan)
  set(MT_VXLAN_CASES plain_no_starttls starttls_not_used starttls_tls13 starttls_refused auth_plain_clear
      auth_login_clear implicit_tls)
  add_test(NAME lab_vxlan_setup COMMAND ${MT_LAB_SRC}/run-lab.sh --vxlan ${MT_VXLAN_OUT} ${MT_VXLAN_CASES})
  set_tests_properties(lab_vxlan_setup PROPERTIES FIXTURES_SETUP lab_vxlan TIMEOUT 180)
  foreach(case ${MT_VXLAN_CASES})
    add_test(NAME lab_vxlan_${case}
             COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_VXLAN_OUT}/${case}.pcap
                     ${MT_VXLAN_OUT}/check/${case} ${MT_LAB_SRC}/expected/${case}.txt)
    set_tests_properties(lab_vxlan_${case} PROPERTIES FIXTURES_REQUIRED lab_vxlan TIMEOUT 60)
  endforeach()
  # The AUTH cases' secrets stay out of every output when they arrive inside VXLAN too.
  add_test(NAME lab_vxlan_secrets
           COMMAND ${MT_LAB_SRC}/check-secrets.sh $<TARGET_FILE:mailtap> ${MT_VXLAN_OUT}/check/secrets
                   ${MT_VXLAN_OUT}/auth_plain_clear.pcap ${MT_VXLAN_OUT}/auth_login_clear.pcap)
  set_tests_properties(lab_vxlan_secrets PROPERTIES FIXTURES_REQUIRED lab_vxlan TIMEOUT 60)

  # The middlebox cases (mitm-lab.sh, mitm-cases.sh): a second lab run with a router namespace and
  # mitm.py between client and Postfix, captured on both sides of the router.
  set(MT_MITM_OUT ${MT_LAB_OUT}/mitm)
  set(MT_MITM_EXP ${MT_LAB_SRC}/expected-mitm)
  add_test(NAME lab_mitm_setup COMMAND ${MT_LAB_SRC}/run-lab.sh ${MT_LAB_OUT} mitm)
  set_tests_properties(lab_mitm_setup PROPERTIES FIXTURES_SETUP lab_mitm TIMEOUT 180 RUN_SERIAL TRUE)

  file(GLOB MT_MITM_CLIENT ${MT_MITM_EXP}/client/*.txt)
  file(GLOB MT_MITM_SERVER ${MT_MITM_EXP}/server/*.txt)
  list(SORT MT_MITM_CLIENT)
  list(SORT MT_MITM_SERVER)
  # Each case from the client side (what the tampering shows) and from the server side (untouched).
  foreach(exp ${MT_MITM_CLIENT})
    get_filename_component(case ${exp} NAME_WE)
    add_test(NAME lab_${case}
             COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MITM_OUT}/${case}.pcap
                     ${MT_MITM_OUT}/check/${case} ${exp})
    add_test(NAME lab_${case}_server
             COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MITM_OUT}/${case}_server.pcap
                     ${MT_MITM_OUT}/check/${case}_server ${MT_MITM_EXP}/server/${case}.txt)
    set_tests_properties(lab_${case} lab_${case}_server PROPERTIES FIXTURES_REQUIRED lab_mitm TIMEOUT 60)
  endforeach()

  # Both sides of the stripped session in one run and one database: the union of the two sides,
  # nothing added or lost (README: what each side shows and why).
  add_test(NAME lab_mitm_strip_both_sides
           COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap>
                   ${MT_MITM_OUT}/mitm_strip.pcap,${MT_MITM_OUT}/mitm_strip_server.pcap
                   ${MT_MITM_OUT}/check/strip_both ${MT_MITM_EXP}/client/mitm_strip.txt
                   ${MT_MITM_EXP}/server/mitm_strip.txt)
  # The offers seen in one run are remembered for the next run on the same database.
  add_test(NAME lab_mitm_strip_two_runs
           COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap>
                   ${MT_MITM_OUT}/mitm_strip_part1.pcap+${MT_MITM_OUT}/mitm_strip_part2.pcap
                   ${MT_MITM_OUT}/check/strip_two_runs ${MT_MITM_EXP}/client/mitm_strip.txt)
  # Every middlebox case in one capture per side: cross-session evidence must not cross cases.
  add_test(NAME lab_mitm_all_client
           COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MITM_OUT}/all_client.pcap
                   ${MT_MITM_OUT}/check/all_client ${MT_MITM_CLIENT})
  add_test(NAME lab_mitm_all_server
           COMMAND ${MT_LAB_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_MITM_OUT}/all_server.pcap
                   ${MT_MITM_OUT}/check/all_server ${MT_MITM_SERVER})
  set_tests_properties(lab_mitm_strip_both_sides lab_mitm_strip_two_runs lab_mitm_all_client
                       lab_mitm_all_server PROPERTIES FIXTURES_REQUIRED lab_mitm TIMEOUT 60)
endif()
