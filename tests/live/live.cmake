# live.cmake — the appliance: dist/ files checked (dist_verify, no root), and live capture in the
# namespace lab (live_*, root, only with -DMAILTAP_LAB_TESTS=ON). tests/live/load.sh is a benchmark,
# run by hand, not registered.
set(MT_LIVE_SRC ${CMAKE_SOURCE_DIR}/tests/live)

add_test(NAME dist_verify COMMAND ${MT_LIVE_SRC}/dist-verify.sh $<TARGET_FILE:mailtap> ${CMAKE_SOURCE_DIR})
set_tests_properties(dist_verify PROPERTIES TIMEOUT 60)

if(MAILTAP_LAB_TESTS)
  # Each builds its own lab (namespaces, Postfix) and runs mailtap -i inside it; root needed.
  # RUN_SERIAL: the timing checks (SIGTERM within 5 s) should not compete with other tests.
  foreach(case sessions user sigterm workers iface_missing iface_down iface_gone)
    add_test(NAME live_${case}
             COMMAND ${MT_LIVE_SRC}/live.sh $<TARGET_FILE:mailtap> ${case} ${CMAKE_BINARY_DIR}/live/${case})
    set_tests_properties(live_${case} PROPERTIES TIMEOUT 120 RUN_SERIAL TRUE)
  endforeach()
endif()
