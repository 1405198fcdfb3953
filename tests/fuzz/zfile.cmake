# fuzz_zfile: libFuzzer target for the gzip/zstd decompressing stream (MAILTAP_FUZZ=ON with clang).
if(MAILTAP_FUZZ)
  add_executable(fuzz_zfile ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_zfile.c)
  target_link_libraries(fuzz_zfile PRIVATE mt_sensor)
  target_link_options(fuzz_zfile PRIVATE -fsanitize=fuzzer)
endif()
