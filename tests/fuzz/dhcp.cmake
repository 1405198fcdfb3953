# fuzz_dhcp: libFuzzer target for the DHCP parser (only with -DMAILTAP_FUZZ=ON, clang).
if(MAILTAP_FUZZ)
  add_executable(fuzz_dhcp ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_dhcp.c)
  target_link_libraries(fuzz_dhcp PRIVATE mt_dhcp)
  target_link_options(fuzz_dhcp PRIVATE -fsanitize=fuzzer)
endif()
