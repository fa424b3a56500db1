#!/usr/bin/python3
"""Checks an .onnx file with python3-onnx's checker and prints its nodes: tools/onnx/check_onnx.py MODEL.onnx"""
import sys
import onnx

m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
print("ok", m.ir_version, [(o.domain, o.version) for o in m.opset_import], [n.op_type for n in m.graph.node])
