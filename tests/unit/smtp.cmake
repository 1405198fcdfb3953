# SMTP decoder and session verdict: literal dialogues fed whole, bytewise and split.
add_executable(test_smtp ${CMAKE_SOURCE_DIR}/tests/unit/test_smtp.c)
target_link_libraries(test_smtp PRIVATE mt_smtp)
add_test(NAME unit_smtp COMMAND test_smtp)
