"""One repository rule that wires Debian's system libraries into Bazel.

For each library it asks pkg-config for --cflags and --libs, so that defines
such as cpp-httplib's -DCPPHTTPLIB_OPENSSL_SUPPORT reach every dependent (the
class layout depends on them). Libraries without a .pc file are given as plain
linker flags.
"""

def _flags(ctx, args):
    result = ctx.execute(["pkg-config"] + args)
    if result.return_code != 0:
        fail("pkg-config %s failed (run scripts/setup.sh): %s" % (" ".join(args), result.stderr))
    return result.stdout.strip().split(" ") if result.stdout.strip() else []

def _system_libs_impl(ctx):
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, modules in ctx.attr.pkgconfig.items():
        defines = []
        includes = []
        linkopts = []
        for flag in _flags(ctx, ["--cflags"] + modules):
            if flag.startswith("-D"):
                defines.append(flag[2:])
            elif flag.startswith("-I"):
                link = "include_%s_%d" % (name, len(includes))
                ctx.symlink(flag[2:], link)
                includes.append(link)
        for flag in _flags(ctx, ["--libs"] + modules):
            if flag and flag not in linkopts:
                linkopts.append(flag)
        build.append("cc_library(name = %r, defines = %r, includes = %r, linkopts = %r)" %
                     (name, defines, includes, linkopts))
    for name, flags in ctx.attr.plain.items():
        build.append("cc_library(name = %r, linkopts = %r)" % (name, flags))
    ctx.file("BUILD.bazel", "\n".join(build) + "\n")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

system_libs = repository_rule(
    implementation = _system_libs_impl,
    attrs = {
        "pkgconfig": attr.string_list_dict(doc = "target name -> pkg-config modules"),
        "plain": attr.string_list_dict(doc = "target name -> linker flags"),
    },
    local = True,
)
