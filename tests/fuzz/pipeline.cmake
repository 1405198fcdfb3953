# fuzz_pipeline: the whole sensor on pcap bytes (libFuzzer; MAILTAP_FUZZ=ON with clang).
if(MAILTAP_FUZZ)
  add_executable(fuzz_pipeline ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_pipeline.c)
  target_link_libraries(fuzz_pipeline PRIVATE mt_sensor)
  target_link_options(fuzz_pipeline PRIVATE -fsanitize=fuzzer)
endif()
