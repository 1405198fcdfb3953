# lab_dane: mail security policy from DNS on real software (Knot DNS signing, Unbound validating,
# Postfix sending with dane/may to a Postfix whose certificate matches or not, mitm.py stripping
# STARTTLS), captured and read by mailtap (tests/lab/dane-lab.sh). Root only, like the other labs.
if(MAILTAP_LAB_TESTS)
  add_test(NAME lab_dane
           COMMAND ${CMAKE_SOURCE_DIR}/tests/lab/dane-lab.sh $<TARGET_FILE:mailtap>
                   ${CMAKE_BINARY_DIR}/lab/dane ${CMAKE_SOURCE_DIR}/tests/lab/expected-dane/dane.txt)
  set_tests_properties(lab_dane PROPERTIES TIMEOUT 180)
endif()
