// A restricted reader for Python pickles (protocols 2-5) as torch.save writes them. It builds only plain values
// (None, bools, ints, floats, strings, bytes, lists, tuples, dicts) and the few torch globals a checkpoint needs;
// any other global (os.system, builtins.eval, ...) is refused before anything runs, so loading a file never
// executes code from it. Opcodes: Python's Lib/pickletools.py.
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Fovea.IO.PyTorch;

/// <summary>A global the pickle referred to (module + name), allowed by the reader's policy.</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>An object built by calling an allowed global with arguments (REDUCE/NEWOBJ), possibly with BUILD state.</summary>
public sealed class PickleCall(PickleGlobal callable, object?[] args)
{
    public PickleGlobal Callable { get; } = callable;
    public object?[] Args { get; } = args;
    public object? State { get; set; }
}

/// <summary>Raised for malformed pickles and for globals outside the allow-list.</summary>
public sealed class UnsafePickleException(string message) : System.Security.SecurityException(message);

/// <summary>Decodes a pickle stream into plain .NET values.</summary>
public sealed class PickleReader
{
    private readonly byte[] _data;
    private readonly string _source;
    private readonly Func<PickleGlobal, bool> _allow;
    private readonly Func<object?, object?> _persistentLoad;
    private readonly Func<PickleCall, object?> _reduce;
    private int _pos;

    /// <param name="allow">The allow-list: returns true for globals the file may reference.</param>
    /// <param name="persistentLoad">Resolves persistent ids (torch's storages).</param>
    /// <param name="reduce">Turns a call of an allowed global into a value (e.g. rebuilds a tensor).</param>
    public PickleReader(byte[] data, string source, Func<PickleGlobal, bool> allow, Func<object?, object?> persistentLoad, Func<PickleCall, object?> reduce)
    {
        (_data, _source, _allow, _persistentLoad, _reduce) = (data, source, allow, persistentLoad, reduce);
    }

    private sealed class Mark { public static readonly Mark Instance = new(); }

    private InvalidDataException Error(string what) => new($"{_source}: pickle offset {_pos}: {what}.");

    public object? Load()
    {
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        while (true)
        {
            if (_pos >= _data.Length) throw Error("truncated (no STOP opcode)");
            int at = _pos;
            byte op = _data[_pos++];
            switch (op)
            {
                case 0x80: _pos++; break;                                   // PROTO
                case 0x95: Take(8); break;                                  // FRAME (length is only a hint)
                case (byte)'.': return Pop(stack);                          // STOP
                case (byte)'N': stack.Add(null); break;                     // NONE
                case 0x88: stack.Add(true); break;                          // NEWTRUE
                case 0x89: stack.Add(false); break;                         // NEWFALSE
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case (byte)'K': stack.Add((long)Take(1)[0]); break;         // BININT1
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case 0x8a: stack.Add(Long(Take(Take(1)[0]))); break;        // LONG1
                case 0x8b: stack.Add(Long(Take(CheckedLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))))); break; // LONG4
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(Take(CheckedLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))))); break; // BINUNICODE
                case 0x8c: stack.Add(Encoding.UTF8.GetString(Take(Take(1)[0]))); break; // SHORT_BINUNICODE
                case 0x8d: stack.Add(Encoding.UTF8.GetString(Take(CheckedLength(BinaryPrimitives.ReadInt64LittleEndian(Take(8)))))); break; // BINUNICODE8
                case (byte)'B': stack.Add(Take(CheckedLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))).ToArray()); break; // BINBYTES
                case (byte)'C': stack.Add(Take(Take(1)[0]).ToArray()); break; // SHORT_BINBYTES
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(Take(CheckedLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))))); break; // BINSTRING
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(Take(Take(1)[0]))); break; // SHORT_BINSTRING
                case (byte)'}': stack.Add(new Dictionary<object, object?>()); break; // EMPTY_DICT
                case (byte)']': stack.Add(new List<object?>()); break;      // EMPTY_LIST
                case (byte)')': stack.Add(Array.Empty<object?>()); break;   // EMPTY_TUPLE
                case (byte)'(': stack.Add(Mark.Instance); break;            // MARK
                case (byte)'t': stack.Add(PopMark(stack).ToArray()); break; // TUPLE
                case 0x85: stack.Add(new[] { Pop(stack) }); break;          // TUPLE1
                case 0x86: { var b = Pop(stack); var a = Pop(stack); stack.Add(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(stack); var b = Pop(stack); var a = Pop(stack); stack.Add(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'l': stack.Add(PopMark(stack)); break;           // LIST
                case (byte)'d': stack.Add(ToDict(PopMark(stack))); break;   // DICT
                case (byte)'a': { var v = Pop(stack); AsList(Peek(stack)).Add(v); break; } // APPEND
                case (byte)'e': { var items = PopMark(stack); AsList(Peek(stack)).AddRange(items); break; } // APPENDS
                case (byte)'s': { var v = Pop(stack); var k = Pop(stack); AsDict(Peek(stack))[Key(k)] = v; break; } // SETITEM
                case (byte)'u':                                              // SETITEMS
                    {
                        var items = PopMark(stack);
                        var d = AsDict(Peek(stack));
                        for (int i = 0; i + 1 < items.Count; i += 2) d[Key(items[i])] = items[i + 1];
                        break;
                    }
                case (byte)'q': memo[Take(1)[0]] = Peek(stack); break;      // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(stack); break; // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(stack); break;           // MEMOIZE
                case (byte)'h': stack.Add(Memo(memo, Take(1)[0])); break;   // BINGET
                case (byte)'j': stack.Add(Memo(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                case (byte)'c':                                              // GLOBAL
                    stack.Add(Global(Line(), Line(), at));
                    break;
                case 0x93:                                                   // STACK_GLOBAL
                    {
                        var name = Pop(stack) as string;
                        var module = Pop(stack) as string;
                        if (module == null || name == null) throw Error("STACK_GLOBAL needs two strings");
                        stack.Add(Global(module, name, at));
                        break;
                    }
                case (byte)'R':                                              // REDUCE
                case 0x81:                                                   // NEWOBJ
                    {
                        var args = Pop(stack) as object?[] ?? throw Error("REDUCE/NEWOBJ arguments are not a tuple");
                        var callable = Pop(stack) as PickleGlobal ?? throw Error("REDUCE/NEWOBJ target is not an allowed global");
                        stack.Add(_reduce(new PickleCall(callable, args)));
                        break;
                    }
                case (byte)'b':                                              // BUILD
                    {
                        var state = Pop(stack);
                        switch (Peek(stack))
                        {
                            case PickleCall call: call.State = state; break;
                            case Dictionary<object, object?>: break; // OrderedDict's state (e.g. _metadata) is not needed
                            default: break;                          // tensors: torch stores no state we use
                        }
                        break;
                    }
                case (byte)'Q': stack.Add(_persistentLoad(Pop(stack))); break; // BINPERSID
                case (byte)'0': Pop(stack); break;                          // POP
                case (byte)'1': PopMark(stack); break;                      // POP_MARK
                case (byte)'2': stack.Add(Peek(stack)); break;              // DUP
                default:
                    throw Error($"unsupported or unsafe pickle opcode 0x{op:x2} ('{(char)op}')");
            }
        }
    }

    private PickleGlobal Global(string module, string name, int at)
    {
        var g = new PickleGlobal(module, name);
        if (!_allow(g))
            throw new UnsafePickleException($"{_source}: pickle offset {at}: refusing to load global '{g}': only tensor data and plain containers are allowed (the file may try to run code).");
        return g;
    }

    private static object Key(object? k) => k ?? throw new InvalidDataException("pickle: None used as a dict key");

    private static Dictionary<object, object?> ToDict(List<object?> items)
    {
        var d = new Dictionary<object, object?>();
        for (int i = 0; i + 1 < items.Count; i += 2) d[Key(items[i])] = items[i + 1];
        return d;
    }

    private List<object?> AsList(object? o) => o as List<object?> ?? throw Error("APPEND target is not a list");
    private Dictionary<object, object?> AsDict(object? o) => o as Dictionary<object, object?> ?? throw Error("SETITEM target is not a dict");

    private object? Memo(Dictionary<long, object?> memo, long key) =>
        memo.TryGetValue(key, out var v) ? v : throw Error($"memo key {key} not found");

    private object? Peek(List<object?> stack) => stack.Count > 0 ? stack[^1] : throw Error("stack underflow");

    private object? Pop(List<object?> stack)
    {
        var v = Peek(stack);
        stack.RemoveAt(stack.Count - 1);
        if (v is Mark) throw Error("unexpected MARK");
        return v;
    }

    private List<object?> PopMark(List<object?> stack)
    {
        int i = stack.FindLastIndex(o => o is Mark);
        if (i < 0) throw Error("no MARK on the stack");
        var items = stack.GetRange(i + 1, stack.Count - i - 1);
        stack.RemoveRange(i, stack.Count - i);
        return items;
    }

    private int CheckedLength(long n) =>
        n < 0 || n > _data.Length - _pos ? throw Error($"declared length {n} exceeds the {_data.Length - _pos} bytes left") : (int)n;

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || _pos + n > _data.Length) throw Error($"truncated: needed {n} bytes");
        var s = _data.AsSpan(_pos, n);
        _pos += n;
        return s;
    }

    private string Line()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw Error("unterminated GLOBAL name");
        var s = Encoding.ASCII.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private static object Long(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return 0L;
        var v = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return v >= long.MinValue && v <= long.MaxValue ? (long)v : v;
    }
}
