# live.cmake — the appliance: dist/ files checked (dist_verify, no root), and live capture in the
# namespace lab (live_*, root, only with -DMAILTAP_LAB_TESTS=ON). tests/live/load.sh is a benchmark,
# run by hand, not registered.
set(MT_LIVE_SRC ${CMAKE_SOURCE_DIR}/tests/live)

add_test(NAME dist_verify COMMAND ${MT_LIVE_SRC}/dist-verify.sh $<TARGET_FILE:mailtap> ${CMAKE_SOURCE_DIR})
set_tests_properties(dist_verify PROPERTIES TIMEOUT 60)
