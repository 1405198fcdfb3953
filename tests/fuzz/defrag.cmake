# fuzz_defrag: libFuzzer target for IP fragment reassembly on sequences of fragments (MAILTAP_FUZZ=ON, clang).
if(MAILTAP_FUZZ)
  add_executable(fuzz_defrag ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_defrag.c)
  target_link_libraries(fuzz_defrag PRIVATE mt_packet)
  target_link_options(fuzz_defrag PRIVATE -fsanitize=fuzzer)
endif()
