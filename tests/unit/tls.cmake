# unit_tls: the TLS decoder on recorded openssl handshakes (tests/tools/make-tls-fixtures.sh) and
# crafted records, fed whole, bytewise and cut at every length against a guard page.
add_executable(test_tls ${CMAKE_SOURCE_DIR}/tests/unit/test_tls.c)
target_link_libraries(test_tls PRIVATE mt_tls)
target_compile_definitions(test_tls PRIVATE TLS_FIXTURE_DIR="${CMAKE_SOURCE_DIR}/tests/unit/data/tls")
add_test(NAME unit_tls COMMAND test_tls)

# libFuzzer target for the TLS decoder (configure with CC=clang -DMAILTAP_FUZZ=ON).
if(MAILTAP_FUZZ)
  add_executable(fuzz_tls ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_tls.c)
  target_link_libraries(fuzz_tls PRIVATE mt_tls)
  target_link_options(fuzz_tls PRIVATE -fsanitize=fuzzer)
endif()
