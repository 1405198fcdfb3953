# fleet.cmake — fleet shipping to PostgreSQL (tests/fleet/README.md): each test starts its own
# PostgreSQL 15 server (initdb in a temporary directory, unix socket only) and removes it after.
# Status 77 (skipped) only where no PostgreSQL server can start.
set(MT_FLEET_SRC ${CMAKE_SOURCE_DIR}/tests/fleet)
foreach(case union resume errors)
  add_test(NAME fleet_${case}
           COMMAND ${MT_FLEET_SRC}/fleet.sh ${case} $<TARGET_FILE:mailtap> ${CMAKE_BINARY_DIR}/tests)
  set_tests_properties(fleet_${case} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()
if(MAILTAP_LAB_TESTS)
  # Root: mailtap -i on a veth between two namespaces of its own, fed by tcpreplay.
  add_test(NAME fleet_live
           COMMAND ${MT_FLEET_SRC}/fleet.sh live $<TARGET_FILE:mailtap> ${CMAKE_BINARY_DIR}/tests)
  set_tests_properties(fleet_live PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
endif()
