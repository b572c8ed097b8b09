# cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DGENERATOR=... -DCXX=... -P without_opencv.cmake
# offloadkit on a machine without OpenCV: configures the project with find_package(OpenCV)
# disabled, checks that the onnx backend is reported off and that no onnx test, fuzz target or
# benchmark is registered, then builds and runs one core test (a fuzz corpus replay).
file(REMOVE_RECURSE "${BUILD_DIR}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${BUILD_DIR}" -G "${GENERATOR}"
          "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_DISABLE_FIND_PACKAGE_OpenCV=ON
          -DOFFLOADKIT_BUILD_TESTS=ON -DOFFLOADKIT_TEST_CONSUMERS=OFF -DOFFLOADKIT_BUILD_EXAMPLES=OFF
          -DOFFLOADKIT_BUILD_BENCHMARKS=OFF
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure without OpenCV failed:\n${out}\n${err}")
endif()
if(NOT out MATCHES "offloadkit: onnx backend off: OpenCV")
  message(FATAL_ERROR "configure without OpenCV did not report the onnx backend off:\n${out}")
endif()
execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" -N WORKING_DIRECTORY "${BUILD_DIR}" OUTPUT_VARIABLE tests RESULT_VARIABLE rc)
# Test names only (the lines "Test #N: name"): paths may contain anything.
string(REGEX MATCHALL "Test +#[0-9]+: [^\n]*" names "${tests}")
if(NOT rc EQUAL 0 OR names MATCHES "onnx|decode_image" OR NOT names MATCHES "fuzz_replay\\.csv")
  message(FATAL_ERROR "tests registered without OpenCV are wrong:\n${tests}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target offloadkit-replay-csv RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building a core test without OpenCV failed:\n${out}\n${err}")
endif()
execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" -R "^fuzz_replay\\.csv$" --output-on-failure
                WORKING_DIRECTORY "${BUILD_DIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "a core test failed without OpenCV:\n${out}")
endif()
message(STATUS "without OpenCV: onnx backend off, core configures, builds and tests")
