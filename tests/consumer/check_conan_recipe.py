"""ctest consumer.conan_recipe: conanfile.py and test_package/conanfile.py checked without Conan.

Conan cannot run on this machine (no internet, not installed), so the recipes are imported with a
small stand-in for the `conan` package that records what they do, and their methods are called as
Conan 2 calls them:
- set_version() reads project(offloadkit VERSION) from CMakeLists.txt (the one version source);
- options with_onnx / with_tcp exist with the documented defaults; with_tcp is removed off Linux;
- requirements(): Eigen and xsimd always, OpenCV (with transitive headers and libs) only with_onnx,
  and configure() asks for OpenCV's dnn module;
- generate() switches OFFLOADKIT_ONNX / OFFLOADKIT_TCP with the options;
- package_info() declares components whose CMake targets are offloadkit::offloadkit,
  offloadkit::onnx and offloadkit::tcp (the names the CMake package exports), each only with its
  option, onnx requiring OpenCV's dnn component.
If a real `conan` is importable it is used for nothing: the stand-in always shadows it, so the test
means the same everywhere.

usage: python3 tests/consumer/check_conan_recipe.py <source-dir>
"""
import importlib.util
import os
import re
import sys
import types


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


class Namespace:
    """Options of one package: attributes, get_safe, del."""

    def __init__(self, **values):
        self.__dict__.update(values)

    def get_safe(self, name, default=None):
        return self.__dict__.get(name, default)


class Options(Namespace):
    """The recipe's own options, plus options["dep"] for a dependency's options."""

    def __init__(self, **values):
        super().__init__(**values)
        self.__dict__["_deps"] = {}

    def __getitem__(self, dep):
        return self._deps.setdefault(dep, Namespace())


class CppInfo:
    def __init__(self):
        self.properties = {}
        self.requires = []
        self.system_libs = []
        self.bindirs = ["bin"]
        self.libdirs = ["lib"]
        self.components = Components()

    def set_property(self, key, value):
        self.properties[key] = value


class Components(dict):
    def __missing__(self, key):
        self[key] = CppInfo()
        return self[key]


def install_stub_conan(recorded):
    conan = types.ModuleType("conan")

    class ConanFile:
        pass

    conan.ConanFile = ConanFile
    errors = types.ModuleType("conan.errors")

    class ConanInvalidConfiguration(Exception):
        pass

    errors.ConanInvalidConfiguration = ConanInvalidConfiguration
    tools = types.ModuleType("conan.tools")
    build = types.ModuleType("conan.tools.build")
    build.check_min_cppstd = lambda conanfile, version: recorded.append(("check_min_cppstd", version))
    build.can_run = lambda conanfile: True
    cmake = types.ModuleType("conan.tools.cmake")

    class CMakeToolchain:
        def __init__(self, conanfile):
            self.cache_variables = {}

        def generate(self):
            recorded.append(("toolchain", dict(self.cache_variables)))

    cmake.CMakeToolchain = CMakeToolchain
    cmake.CMake = object
    cmake.cmake_layout = lambda conanfile: None
    files = types.ModuleType("conan.tools.files")
    files.copy = lambda *a, **k: None

    def load(conanfile, path):
        with open(path, encoding="utf-8") as f:
            return f.read()

    files.load = load
    for name, module in {"conan": conan, "conan.errors": errors, "conan.tools": tools,
                         "conan.tools.build": build, "conan.tools.cmake": cmake,
                         "conan.tools.files": files}.items():
        sys.modules[name] = module


def load_recipe(path, module_name):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make(recipe_class, source, os_name="Linux", **option_values):
    r = recipe_class()
    r.recipe_folder = source
    r.settings = Namespace(os=os_name)
    r.options = Options(**{k: option_values.get(k, v) for k, v in recipe_class.default_options.items()})
    r.requires_calls = []
    r.requires = lambda ref, **kw: r.requires_calls.append((ref, kw))
    r.conf = types.SimpleNamespace(get=lambda key, default=None: default)
    r.cpp_info = CppInfo()
    return r


def main():
    source = sys.argv[1]
    recorded = []
    install_stub_conan(recorded)
    recipe = load_recipe(os.path.join(source, "conanfile.py"), "offloadkit_conanfile")
    cls = recipe.OffloadkitConan

    with open(os.path.join(source, "CMakeLists.txt"), encoding="utf-8") as f:
        cmake_version = re.search(r"project\(offloadkit VERSION (\d+\.\d+\.\d+)", f.read()).group(1)
    r = make(cls, source)
    r.set_version()
    if r.version != cmake_version:
        fail(f"set_version() gives {r.version}, CMakeLists.txt {cmake_version}")
    if cls.package_type != "header-library":
        fail(f"package_type is {cls.package_type}")
    if set(cls.options) != {"with_onnx", "with_tcp"}:
        fail(f"options are {sorted(cls.options)}, expected with_onnx and with_tcp")
    if cls.default_options != {"with_onnx": False, "with_tcp": True}:
        fail(f"default_options are {cls.default_options}")

    # config_options: with_tcp exists on Linux only.
    linux = make(cls, source)
    linux.config_options()
    if linux.options.get_safe("with_tcp") is not True:
        fail("config_options() removed with_tcp on Linux")
    windows = make(cls, source, os_name="Windows")
    windows.config_options()
    if "with_tcp" in windows.options.__dict__:
        fail("config_options() kept with_tcp on Windows (the tcp backend is Linux-only)")

    for with_onnx in (False, True):
        for with_tcp in (False, True):
            label = f"with_onnx={with_onnx}, with_tcp={with_tcp}"
            r = make(cls, source, with_onnx=with_onnx, with_tcp=with_tcp)
            r.configure()
            if with_onnx and r.options["opencv"].get_safe("dnn") is not True:
                fail(f"{label}: configure() does not ask for opencv dnn=True")
            r.requirements()
            refs = {ref.split("/")[0]: kw for ref, kw in r.requires_calls}
            if "eigen" not in refs or "xsimd" not in refs:
                fail(f"{label}: requirements() lacks eigen or xsimd: {r.requires_calls}")
            if ("opencv" in refs) != with_onnx:
                fail(f"{label}: requirements() {'lacks' if with_onnx else 'has'} opencv")
            if with_onnx:
                opencv_ref = next(ref for ref, _ in r.requires_calls if ref.startswith("opencv/"))
                if not re.fullmatch(r"opencv/4\.\d+\.\d+", opencv_ref):
                    fail(f"{label}: OpenCV reference {opencv_ref}, expected opencv/4.x.y")
                if not refs["opencv"].get("transitive_headers"):
                    fail(f"{label}: opencv is not required with transitive_headers=True")

            recorded.clear()
            r.generate()
            cache = next(v for k, v in recorded if k == "toolchain")
            if cache.get("OFFLOADKIT_ONNX") != ("ON" if with_onnx else "OFF") or \
               cache.get("OFFLOADKIT_TCP") != ("ON" if with_tcp else "OFF"):
                fail(f"{label}: generate() sets OFFLOADKIT_ONNX={cache.get('OFFLOADKIT_ONNX')}, "
                     f"OFFLOADKIT_TCP={cache.get('OFFLOADKIT_TCP')}")

            r.package_info()
            info = r.cpp_info
            if info.properties.get("cmake_file_name") != "offloadkit":
                fail(f"{label}: cmake_file_name is {info.properties.get('cmake_file_name')}")
            targets = {name: c.properties.get("cmake_target_name") for name, c in info.components.items()}
            expected = {"core": "offloadkit::offloadkit"}
            if with_onnx:
                expected["onnx"] = "offloadkit::onnx"
            if with_tcp:
                expected["tcp"] = "offloadkit::tcp"
            if targets != expected:
                fail(f"{label}: components {targets}, expected {expected}")
            core = info.components["core"]
            if set(core.requires) != {"eigen::eigen", "xsimd::xsimd"}:
                fail(f"{label}: core requires {core.requires}")
            if with_onnx:
                onnx = info.components["onnx"]
                if "core" not in onnx.requires or "opencv::opencv_dnn" not in onnx.requires:
                    fail(f"{label}: onnx requires {onnx.requires}, expected core and opencv::opencv_dnn")
            if with_tcp and "core" not in info.components["tcp"].requires:
                fail(f"{label}: tcp does not require core")
            for name, c in info.components.items():
                if c.libdirs or c.bindirs:
                    fail(f"{label}: header-only component {name} declares libdirs/bindirs")

    # test_package/: requires the tested reference and builds a CMake consumer.
    tp = load_recipe(os.path.join(source, "test_package", "conanfile.py"), "offloadkit_test_package")
    t = tp.OffloadkitTestPackageConan()
    t.tested_reference_str = f"offloadkit/{cmake_version}"
    calls = []
    t.requires = lambda ref, **kw: calls.append(ref)
    t.requirements()
    if calls != [f"offloadkit/{cmake_version}"]:
        fail(f"test_package requires {calls}")
    for f in ("CMakeLists.txt", "test_package.cpp"):
        if not os.path.isfile(os.path.join(source, "test_package", f)):
            fail(f"test_package/{f} is missing")
    print(f"conanfile.py {cmake_version}: options, requirements, generate and package_info components "
          "checked for all four option combinations; test_package/ present")


if __name__ == "__main__":
    main()
