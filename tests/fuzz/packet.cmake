# fuzz_packet: libFuzzer target for the link/IP/TCP decoder (only with -DMAILTAP_FUZZ=ON, clang).
if(MAILTAP_FUZZ)
  add_executable(fuzz_packet ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_packet.c)
  target_link_libraries(fuzz_packet PRIVATE mt_packet)
  target_link_options(fuzz_packet PRIVATE -fsanitize=fuzzer)
endif()
