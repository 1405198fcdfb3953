# fuzz_dns: libFuzzer target for the DNS response parser (only with -DMAILTAP_FUZZ=ON, clang).
if(MAILTAP_FUZZ)
  add_executable(fuzz_dns ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_dns.c)
  target_link_libraries(fuzz_dns PRIVATE mt_dns)
  target_link_options(fuzz_dns PRIVATE -fsanitize=fuzzer)
endif()
