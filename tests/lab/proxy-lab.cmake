# proxy-lab.cmake — mail through real proxies (tinyproxy for HTTP CONNECT, Dante for SOCKS4/5) between
# curl or swaks (under proxychains4) and Postfix in network namespaces (tests/lab/proxy-lab.sh). Root,
# like the other lab tests.
if(MAILTAP_LAB_TESTS)
  set(MT_PROXY_SRC ${CMAKE_SOURCE_DIR}/tests/lab)
  set(MT_PROXY_OUT ${CMAKE_BINARY_DIR}/lab-proxy)

  # Captures every case on the client–proxy link into ${MT_PROXY_OUT}/<case>.pcap (and all.pcap,
  # upstream.pcap for the proxy–server link), then tears the lab down.
  add_test(NAME lab_proxy_setup COMMAND ${MT_PROXY_SRC}/proxy-lab.sh ${MT_PROXY_OUT})
  set_tests_properties(lab_proxy_setup PROPERTIES FIXTURES_SETUP lab_proxy TIMEOUT 180 RUN_SERIAL TRUE)

  file(GLOB MT_PROXY_EXPECTED ${MT_PROXY_SRC}/expected-proxy/*.txt)
  list(SORT MT_PROXY_EXPECTED)
  foreach(exp ${MT_PROXY_EXPECTED})
    get_filename_component(case ${exp} NAME_WE)
    add_test(NAME lab_proxy_${case}
             COMMAND ${MT_PROXY_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_PROXY_OUT}/${case}.pcap
                     ${MT_PROXY_OUT}/check/${case} ${exp})
    set_tests_properties(lab_proxy_${case} PROPERTIES FIXTURES_REQUIRED lab_proxy TIMEOUT 60)
  endforeach()

  # Every tunnel with a fixed 4-tuple in one capture and one database.
  add_test(NAME lab_proxy_all_in_one
           COMMAND ${MT_PROXY_SRC}/check-case.sh $<TARGET_FILE:mailtap> ${MT_PROXY_OUT}/fixed.pcap
                   ${MT_PROXY_OUT}/check/all ${MT_PROXY_EXPECTED})
  # Tunnelled sessions decoded exactly like the same sessions on the proxy–server link; the tunnels
  # without mail (HTTPS, the refusals) recognised in the summary.
  add_test(NAME lab_proxy_same_as_direct
           COMMAND ${MT_PROXY_SRC}/check-proxy.sh $<TARGET_FILE:mailtap> ${MT_PROXY_OUT}
                   ${MT_PROXY_OUT}/check/direct)
  # No proxy credential (BasicAuth, SOCKS5 user/password) nor AUTH secret in mailtap's outputs.
  add_test(NAME lab_proxy_secrets
           COMMAND ${MT_PROXY_SRC}/check-secrets.sh --proxy $<TARGET_FILE:mailtap>
                   ${MT_PROXY_OUT}/check/secrets ${MT_PROXY_OUT}/http_connect_basicauth.pcap
                   ${MT_PROXY_OUT}/socks5_userpass_auth.pcap ${MT_PROXY_OUT}/swaks_http_connect_auth.pcap
                   ${MT_PROXY_OUT}/swaks_socks5_starttls.pcap ${MT_PROXY_OUT}/http_connect_407_retry.pcap
                   ${MT_PROXY_OUT}/socks5_bad_password.pcap)
  set_tests_properties(lab_proxy_all_in_one lab_proxy_same_as_direct lab_proxy_secrets
                       PROPERTIES FIXTURES_REQUIRED lab_proxy TIMEOUT 60)
endif()
