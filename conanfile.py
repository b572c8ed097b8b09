# Conan 2 recipe for offloadkit, a header-only C++20 library.
#   conan create . --build=missing            (builds and runs the test suite once)
#   conan install --requires=offloadkit/0.1.0 (consumers)
# The version is read from CMakeLists.txt (project(offloadkit VERSION x.y.z)), the one source.
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load

required_conan_version = ">=2.0"


class OffloadkitConan(ConanFile):
    name = "offloadkit"
    description = ("Confidence-based offloading, approximation-branch scheduling and multitask "
                   "placement for on-device inference pipelines (header-only C++20)")
    license = "MIT"
    url = "https://github.com/offloadkit/offloadkit"
    homepage = "https://github.com/offloadkit/offloadkit"
    topics = ("edge-computing", "offloading", "calibration", "dnn", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = ("CMakeLists.txt", "cmake/*", "include/*", "tests/*", "LICENSE")
    no_copy_source = True

    def set_version(self):
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        self.version = re.search(r"project\(offloadkit VERSION (\d+\.\d+\.\d+)", text).group(1)

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # Any Eigen from 3.3 on works (including 5.x); xsimd 8 through 13.
        self.requires("eigen/3.4.0")
        self.requires("xsimd/13.0.0")

    def build_requirements(self):
        self.test_requires("doctest/2.4.11")
        self.test_requires("benchmark/1.8.4")

    def validate(self):
        check_min_cppstd(self, 20)

    def package_id(self):
        self.info.clear()

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["OFFLOADKIT_BUILD_TESTS"] = not self.conf.get("tools.build:skip_test", default=False)
        tc.cache_variables["OFFLOADKIT_TEST_CONSUMERS"] = False
        tc.cache_variables["OFFLOADKIT_BUILD_BENCHMARKS"] = False
        tc.cache_variables["OFFLOADKIT_BUILD_EXAMPLES"] = False
        tc.generate()

    def build(self):
        if self.conf.get("tools.build:skip_test", default=False):
            return
        cmake = CMake(self)
        cmake.configure()
        cmake.build()
        cmake.test()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.requires = ["eigen::eigen", "xsimd::xsimd"]
        self.cpp_info.set_property("cmake_file_name", "offloadkit")
        self.cpp_info.set_property("cmake_target_name", "offloadkit::offloadkit")
        self.cpp_info.set_property("pkg_config_name", "offloadkit")
