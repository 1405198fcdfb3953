# SMTP decoder and session verdict: literal dialogues fed whole, bytewise and split.
add_executable(test_smtp ${CMAKE_SOURCE_DIR}/tests/unit/test_smtp.c)
target_link_libraries(test_smtp PRIVATE mt_smtp)
add_test(NAME unit_smtp COMMAND test_smtp)

# libFuzzer target for the SMTP decoder (configure with CC=clang -DMAILTAP_FUZZ=ON).
if(MAILTAP_FUZZ)
  add_executable(fuzz_smtp ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_smtp.c)
  target_link_libraries(fuzz_smtp PRIVATE mt_smtp)
  target_link_options(fuzz_smtp PRIVATE -fsanitize=fuzzer)
endif()
