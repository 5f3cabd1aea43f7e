# External libraries, all from Debian: FFmpeg (optional), libjpeg-turbo, libpng, zlib, libm.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)

# dl: OpenBLAS is opened at run time (core/openblas_lapack.c), when present.
set(FAU_DEP_LIBS JPEG::JPEG PNG::PNG Threads::Threads m ${CMAKE_DL_LIBS})

set(FAU_HAVE_FFMPEG OFF)
if(NOT FAU_FFMPEG STREQUAL "OFF")
  pkg_check_modules(FFMPEG IMPORTED_TARGET libavformat libavcodec libswscale libavutil)
  if(FFMPEG_FOUND)
    set(FAU_HAVE_FFMPEG ON)
    list(APPEND FAU_DEP_LIBS PkgConfig::FFMPEG)
    add_compile_definitions(FAU_HAVE_FFMPEG=1)
  elseif(FAU_FFMPEG STREQUAL "ON")
    message(FATAL_ERROR "FAU_FFMPEG=ON but the FFmpeg development libraries were not found")
  endif()
endif()
message(STATUS "faceau: FFmpeg media input: ${FAU_HAVE_FFMPEG}")
