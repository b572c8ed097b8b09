# Conan's test of the created package: builds test_package/CMakeLists.txt against the package
# through CMakeDeps, asking for the components the package was created with, and runs it.
# The same CMakeLists.txt is built against the installed CMake package by ctest
# consumer.conan_test_package, so the consumer half is tested where Conan cannot run.
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class OffloadkitTestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        options = self.dependencies["offloadkit"].options
        tc = CMakeToolchain(self)
        tc.cache_variables["OFFLOADKIT_TEST_ONNX"] = bool(options.with_onnx)
        tc.cache_variables["OFFLOADKIT_TEST_TCP"] = bool(options.get_safe("with_tcp"))
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "test_package"), env="conanrun")
