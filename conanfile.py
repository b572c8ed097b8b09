# Conan 2 recipe for offloadkit, a header-only C++20 library with two optional components.
#   conan create . --build=missing                          (builds and runs the test suite once,
#                                                            then test_package/)
#   conan create . -o "offloadkit/*:with_onnx=True" --build=missing
#   conan install --requires=offloadkit/0.1.0               (consumers)
# The version is read from CMakeLists.txt (project(offloadkit VERSION x.y.z)), the one source.
# Components (CMakeDeps targets, the same names as the CMake package installs):
#   offloadkit::offloadkit  the core (Eigen + xsimd)
#   offloadkit::onnx        option with_onnx: ONNX models through OpenCV's dnn module
#   offloadkit::tcp         option with_tcp (Linux only): TCP uplink, remote executor, edge server
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
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
    options = {
        "with_onnx": [True, False],
        "with_tcp": [True, False],
    }
    # onnx pulls in OpenCV, so it is opt-in; tcp needs nothing beyond libc and threads.
    default_options = {
        "with_onnx": False,
        "with_tcp": True,
    }
    exports_sources = ("CMakeLists.txt", "cmake/*", "include/*", "tests/*", "examples/*", "LICENSE",
                       "CHANGELOG.md")
    no_copy_source = True

    def set_version(self):
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        self.version = re.search(r"project\(offloadkit VERSION (\d+\.\d+\.\d+)", text).group(1)

    def config_options(self):
        # The tcp backend is Linux-only (cmake/backends/tcp-deps.cmake).
        if self.settings.os != "Linux":
            del self.options.with_tcp

    def configure(self):
        if self.options.with_onnx:
            # offloadkit::onnx uses the dnn, imgproc and imgcodecs modules and decodes PNG/JPEG.
            self.options["opencv"].dnn = True
            self.options["opencv"].imgproc = True
            self.options["opencv"].imgcodecs = True
            self.options["opencv"].with_png = True
            self.options["opencv"].with_jpeg = "libjpeg"

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # Any Eigen from 3.3 on works (including 5.x); xsimd 8 through 13.
        self.requires("eigen/3.4.0")
        self.requires("xsimd/13.0.0")
        if self.options.with_onnx:
            # The backend's headers include OpenCV's: consumers compile and link against it.
            self.requires("opencv/4.9.0", transitive_headers=True, transitive_libs=True)

    def build_requirements(self):
        self.test_requires("doctest/2.4.11")
        self.test_requires("benchmark/1.8.4")

    def validate(self):
        check_min_cppstd(self, 20)
        if self.options.with_onnx and not self.dependencies["opencv"].options.dnn:
            raise ConanInvalidConfiguration("offloadkit:with_onnx needs opencv built with dnn=True")

    def package_id(self):
        # Header-only: one package for every setting and option. The package always holds every
        # header; the options only choose requirements and which components package_info declares.
        self.info.clear()

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["OFFLOADKIT_BUILD_TESTS"] = not self.conf.get("tools.build:skip_test", default=False)
        tc.cache_variables["OFFLOADKIT_TEST_CONSUMERS"] = False
        tc.cache_variables["OFFLOADKIT_BUILD_BENCHMARKS"] = False
        tc.cache_variables["OFFLOADKIT_BUILD_EXAMPLES"] = False
        tc.cache_variables["OFFLOADKIT_ONNX"] = "ON" if self.options.with_onnx else "OFF"
        tc.cache_variables["OFFLOADKIT_TCP"] = "ON" if self.options.get_safe("with_tcp") else "OFF"
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
        self.cpp_info.set_property("cmake_file_name", "offloadkit")
        self.cpp_info.set_property("cmake_target_name", "offloadkit::offloadkit")
        self.cpp_info.set_property("pkg_config_name", "offloadkit")

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "offloadkit::offloadkit")
        core.set_property("pkg_config_name", "offloadkit")
        core.requires = ["eigen::eigen", "xsimd::xsimd"]
        core.bindirs = []
        core.libdirs = []

        if self.options.with_onnx:
            onnx = self.cpp_info.components["onnx"]
            onnx.set_property("cmake_target_name", "offloadkit::onnx")
            onnx.set_property("pkg_config_name", "offloadkit-onnx")
            onnx.requires = ["core", "opencv::opencv_core", "opencv::opencv_dnn",
                             "opencv::opencv_imgproc", "opencv::opencv_imgcodecs"]
            onnx.bindirs = []
            onnx.libdirs = []
        if self.options.get_safe("with_tcp"):
            tcp = self.cpp_info.components["tcp"]
            tcp.set_property("cmake_target_name", "offloadkit::tcp")
            tcp.set_property("pkg_config_name", "offloadkit-tcp")
            tcp.requires = ["core"]
            tcp.system_libs = ["pthread"]
            tcp.bindirs = []
            tcp.libdirs = []
