# report_*: `mailtap report` outputs as a reader gets them. report_db keeps the databases and
# reports of unit_report in ${CMAKE_BINARY_DIR}/report (hostile HELO names included); the HTML is
# rendered in headless Chromium (screenshot kept as ${CMAKE_BINARY_DIR}/report/render/screenshot.png)
# and the weekly script is run with a stand-in sendmail.
set(MT_REPORT_OUT ${CMAKE_BINARY_DIR}/report)
add_test(NAME report_db COMMAND test_report ${MT_REPORT_OUT})
set_tests_properties(report_db PROPERTIES FIXTURES_SETUP report_db)

add_test(NAME report_html_render
         COMMAND sh -c "\"$0\" report --db \"$1/r.db\" --since 60d --format html -o \"$1/render.html\" && \"$2\" \"$1/render.html\" \"$1/render\" 4 '<script>alert(1)</script>' \"=cmd|' /C calc'!A0\" 'Devices that sent mail without TLS' 'Cleartext sessions per day' 'Cleartext sessions per device' 'old-printer'"
                 $<TARGET_FILE:mailtap> ${MT_REPORT_OUT} ${CMAKE_SOURCE_DIR}/tests/report/render-html.sh)
set_tests_properties(report_html_render PROPERTIES FIXTURES_REQUIRED report_db TIMEOUT 150)

add_test(NAME report_weekly_script
         COMMAND ${CMAKE_SOURCE_DIR}/tests/report/weekly.sh $<TARGET_FILE:mailtap> ${MT_REPORT_OUT}/r.db
                 ${MT_REPORT_OUT}/weekly)
set_tests_properties(report_weekly_script PROPERTIES FIXTURES_REQUIRED report_db TIMEOUT 60)
