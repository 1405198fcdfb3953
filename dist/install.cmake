# install.cmake — what `cmake --install` and the .deb put where (binary, man page, units, /etc files)
# and the CPack settings of the .deb. Included at the end of the top CMakeLists.txt.
include(GNUInstallDirs)
set(MT_DIST ${CMAKE_CURRENT_LIST_DIR})

install(FILES ${MT_DIST}/mailtap.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${MT_DIST}/mailtap.sysusers DESTINATION lib/sysusers.d RENAME mailtap.conf)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(EXISTS ${CMAKE_SOURCE_DIR}/scripts/mailtap-weekly-report)
  install(PROGRAMS ${CMAKE_SOURCE_DIR}/scripts/mailtap-weekly-report DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# Units (ExecStart pointed at the installed binary) and /etc files: decided at install time,
# when the real prefix (cmake --install --prefix, or /usr in the .deb) is known.
install(CODE "set(MT_DIST \"${MT_DIST}\")\nset(MT_STAGE \"${CMAKE_BINARY_DIR}/dist-stage\")")
install(SCRIPT ${MT_DIST}/install-units.cmake)

# The .deb: `cmake --build build --target package`. Installed under /usr, /etc files in /etc.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mailtap)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "mailtap maintainers <mailtap@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "passive SMTP/STARTTLS/TLS sensor for a span port")
set(CPACK_PACKAGE_DESCRIPTION "mailtap watches SMTP on a span port and records, per device in SQLite,
who sends mail or credentials without TLS, refused or stripped STARTTLS, failed TLS handshakes and
weak certificates; a weekly report lists the devices that still mail in clear.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)	# install-units.cmake maps prefix /usr to /etc, as Debian expects
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "mailtap maintainers <mailtap@example.org>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.34), libpcap0.8 (>= 1.10), libndpi4.2, libsqlite3-0 (>= 3.35), libssl3, zlib1g, libzstd1")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "sqlite3, logrotate")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${MT_DIST}/debian/conffiles ${MT_DIST}/debian/postinst ${MT_DIST}/debian/prerm ${MT_DIST}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
