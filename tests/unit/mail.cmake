# IMAP and POP3 decoders: literal dialogues fed whole, bytewise and split (tests/unit/optls_harness.h).
add_executable(test_imap ${CMAKE_SOURCE_DIR}/tests/unit/test_imap.c)
target_link_libraries(test_imap PRIVATE mt_smtp)
add_test(NAME unit_imap COMMAND test_imap)

add_executable(test_pop3 ${CMAKE_SOURCE_DIR}/tests/unit/test_pop3.c)
target_link_libraries(test_pop3 PRIVATE mt_smtp)
add_test(NAME unit_pop3 COMMAND test_pop3)

# libFuzzer targets for both (configure with CC=clang -DMAILTAP_FUZZ=ON).
if(MAILTAP_FUZZ)
  foreach(p imap pop3)
    add_executable(fuzz_${p} ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_${p}.c)
    target_link_libraries(fuzz_${p} PRIVATE mt_smtp)
    target_link_options(fuzz_${p} PRIVATE -fsanitize=fuzzer)
  endforeach()
endif()
