"""Generates C++ Protobuf and gRPC code with the system protoc and plugin.

gRPC's own Bazel rules need network access; this macro runs Debian's protoc
and grpc_cpp_plugin in a genrule and wraps the output in one cc_library.
"""

def cc_grpc_proto_library(name, srcs, deps = [], visibility = None):
    """A cc_library `name` with the messages and services of `srcs`.

    Args:
      name: the cc_library's name.
      srcs: .proto files of this package; imports are relative to the
        workspace root (e.g. `import "proto/errors.proto";`).
      deps: other cc_grpc_proto_library targets whose protos are imported.
      visibility: as usual.
    """
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc", base + ".grpc.pb.h", base + ".grpc.pb.cc", base + "_mock.grpc.pb.h"]
    native.genrule(
        name = name + "_gen",
        srcs = srcs + [d + "_protos" for d in deps],
        outs = outs,
        cmd = " ".join([
            "protoc",
            "--proto_path=.",
            "--proto_path=$(GENDIR)",
            "--cpp_out=$(GENDIR)",
            "--grpc_out=generate_mock_code=true:$(GENDIR)",
            "--plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin)",
        ] + ["$(location %s)" % s for s in srcs]),
    )
    native.filegroup(name = name + "_protos", srcs = srcs, visibility = visibility)
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["@system//:grpc", "@system//:protobuf"],
        visibility = visibility,
    )
