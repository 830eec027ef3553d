# `cmake --install` and the Debian package (README.md, "Install").
#   cmake --install build --prefix /usr/local        the binary and the user docs
#   cpack --config build/CPackConfig.cmake -B out     out/pgfleet_<version>_<arch>.deb
# Only the pgfleet executable is installed: the library, tests and benchmarks stay in the build.
include(GNUInstallDirs)
# cpack and `cmake --build --target install` would otherwise build `all` first: the package
# check runs under ctest while the unit tests run, and a relink there pulls their binary away.
# Build first (scripts/build.sh), then install or package.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
install(TARGETS pgfleet RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pgfleet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "pgfleet")
set(CPACK_PACKAGE_CONTACT "pgfleet maintainers <maintainers@pgfleet.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Apply versioned SQL migrations to a fleet of PostgreSQL tenant databases")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The build is RelWithDebInfo: the packaged binary is stripped (~60 MB of debug info less).
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # pgfleet_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION database)
# Depends: from the libraries the binary links (libpq5, libcurl4, libssl3, libfmt9, libstdc++6,
# libc6), as dpkg-shlibdeps (dpkg-dev, part of build-essential) finds them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
