# Dependencies of the onnx backend (offloadkit::onnx, include/offloadkit/backends/onnx.hpp):
# OpenCV's core, dnn, imgproc and imgcodecs modules (Debian: libopencv-dev, which carries
# OpenCVConfig.cmake). Sets _offloadkit_deps_found (TRUE/FALSE) and _offloadkit_why.
# The top-level CMakeLists.txt includes it to decide whether to build the backend; the installed
# package runs it (as offloadkit-onnx-deps.cmake) for find_package(offloadkit COMPONENTS onnx).
# A missing OpenCV makes only the component not found: the core package still works.
find_package(OpenCV QUIET COMPONENTS core dnn imgproc imgcodecs)
if(NOT OpenCV_FOUND)
  set(_offloadkit_deps_found FALSE)
  set(_offloadkit_why "OpenCV (components core dnn imgproc imgcodecs) not found; on Debian: apt-get install libopencv-dev")
elseif(OpenCV_VERSION VERSION_LESS 4.0)
  set(_offloadkit_deps_found FALSE)
  set(_offloadkit_why "OpenCV ${OpenCV_VERSION} found, the onnx backend needs OpenCV 4 (tested with 4.6)")
else()
  set(_offloadkit_deps_found TRUE)
  set(_offloadkit_why "")
endif()
