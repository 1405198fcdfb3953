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
endif()
