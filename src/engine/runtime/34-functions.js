// Metered built-ins: Function and Function.prototype, the constructors of generator and async
// functions, Symbol, Boolean, and the error constructors.

const NativeFunction = Function;
const FunctionPrototype = NativeFunction.prototype;
const symbolHasInstance = Symbol.hasInstance;

// ---- Functions from strings ----------------------------------------------------------------
// Code generation from strings is disabled, but V8 converts the arguments and joins them into
// one source text before it refuses with EvalError: that text is paid for here.
const dynamicFunction = (Original) => {
  const Wrapper = function (_) {
    charge(COSTS.call);
    const parts = [];
    let total = 0;
    for (let i = 0; i < arguments.length; i++) {
      parts[i] = strArg(arguments[i]);
      total += parts[i].length;
      checkLength(total);
    }
    newString(total);
    const target = new.target === undefined ? Original : constructTarget(new.target, Wrapper, Original);
    return reflectConstruct(Original, parts, target);
  };
  return Wrapper;
};
const FunctionWrapper = dynamicFunction(NativeFunction);
installConstructor(G, "Function", FunctionWrapper);
const codeConstructors = [
  reflectGetPrototypeOf(function* () {}),
  reflectGetPrototypeOf(async function () {}),
  reflectGetPrototypeOf(async function* () {}),
];
for (let i = 0; i < codeConstructors.length; i++) {
  const prototype = codeConstructors[i];
  installConstructor(prototype, "constructor", dynamicFunction(prototype.constructor), FunctionWrapper);
}

// ---- Function.prototype --------------------------------------------------------------------
// The runtime's functions (wrappers, the API objects, natives: everything the inventory
// classified, and `require`) read as native code, so that no result depends on the runtime's
// source text. A contract's own function returns its source.
const nativeName = (fn) => {
  const name = reflectApply(weakMapGet, wrapperNames, [fn]);
  if (name !== undefined) return name;
  const desc = getOwnPropertyDescriptor(fn, "name");
  return desc !== undefined && typeof desc.value === "string" ? desc.value : "";
};
meter(FunctionPrototype, "toString", (original) => ({
  toString() {
    charge(COSTS.call);
    if (typeof this === "function" && (reflectApply(weakMapHas, classified, [this]) ||
      reflectApply(weakMapHas, wrapperNames, [this]) || this === require)) {
      const text = `function ${nativeName(this)}() { [native code] }`;
      newString(text.length);
      return text;
    }
    const text = reflectApply(original, this, []);
    newString(text.length);
    return text;
  },
}).toString);

// apply: CreateListFromArrayLike here (its length and elements read once, in order), capped
// like a spread, paid per argument.
meter(FunctionPrototype, "apply", (original) => ({
  apply(thisArg, argArray) {
    charge(COSTS.call);
    if (typeof this !== "function") return reflectApply(original, this, [thisArg, argArray]);
    if (argArray === undefined || argArray === null) return reflectApply(this, thisArg, []);
    if (!isObject(argArray)) throw new NativeTypeError("CreateListFromArrayLike called on non-object");
    const length = toLength(numArg(argArray.length));
    if (length > LIMITS.max_call_args) tooManyArgs(length);
    chargeMilli(length, COSTS.element);
    count(length * COSTS.memory_element);
    const list = [];
    for (let i = 0; i < length; i++) list[i] = argArray[i];
    return reflectApply(this, thisArg, list);
  },
}).apply);

// call: its arguments were counted where they were passed (a spread is capped); paid per
// argument for passing them on.
meter(FunctionPrototype, "call", (original) => ({
  call(thisArg, _) {
    charge(COSTS.call);
    if (typeof this !== "function") return reflectApply(original, this, arguments);
    const n = arguments.length - 1;
    const args = [];
    if (n > 0) {
      chargeMilli(n, COSTS.element);
      for (let i = 0; i < n; i++) args[i] = arguments[i + 1];
    }
    return reflectApply(this, thisArg, args);
  },
}).call);

// bind: a call through a bound function pushes every bound argument of every function in its
// chain, natively, with no contract code in between: chains are capped at `max_bind_depth`
// and their bound arguments at `max_call_args`, counted here for every bound function made.
const boundFunctions = new NativeWeakMap();
meter(FunctionPrototype, "bind", (original) => ({
  bind(thisArg, _) {
    charge(COSTS.call);
    if (typeof this !== "function") return reflectApply(original, this, arguments);
    const k = arguments.length > 0 ? arguments.length - 1 : 0;
    const inner = reflectApply(weakMapGet, boundFunctions, [this]);
    const depth = inner === undefined ? 1 : inner.depth + 1;
    const args = (inner === undefined ? 0 : inner.args) + k;
    if (depth > LIMITS.max_bind_depth) {
      throw new NativeRangeError(`a bound function may be bound again at most ${LIMITS.max_bind_depth - 1} times`);
    }
    if (args > LIMITS.max_call_args) {
      throw new NativeRangeError(`a chain of bound functions may hold at most ${LIMITS.max_call_args} arguments, not ${args}`);
    }
    chargeMilli(k, COSTS.element);
    count(COSTS.memory_object + k * COSTS.memory_element);
    // V8 reads the target's `length` and `name`, which may be getters.
    const bound = builtinFrame(() => reflectApply(original, this, arguments));
    reflectApply(weakMapSet, boundFunctions, [bound, freeze({ depth, args })]);
    return bound;
  },
}).bind);

// Symbol.hasInstance is non-writable and non-configurable (it cannot be replaced), and the
// `instanceof` operator takes V8's own path anyway: it walks the prototype chain, whose
// length is bounded where chains are made. `caller` and `arguments` are %ThrowTypeError%.
constant(FunctionPrototype, [symbolHasInstance, "caller", "arguments"]);
// Function.prototype is itself a function, which returns undefined.
classify(FunctionPrototype, "constant", "Function.prototype");

// ---- Symbol ----------------------------------------------------------------------------------
const NativeSymbol = Symbol;
const SymbolPrototype = NativeSymbol.prototype;
const SymbolWrapper = function Symbol(description) {
  charge(COSTS.call);
  if (new.target !== undefined) throw new NativeTypeError("Symbol is not a constructor");
  const d = description === undefined ? undefined : strArg(description);
  count(COSTS.memory_object);
  return reflectApply(NativeSymbol, undefined, [d]);
};
installConstructor(G, "Symbol", SymbolWrapper);
// The registry is per isolate and never shrinks; whether a key is new there depends on the
// isolate's history, so every call counts as if it added one.
meter(SymbolWrapper, "for", (original) => ({
  for(key) {
    charge(COSTS.call);
    const s = strArg(key);
    hashChars(s);
    count(COSTS.memory_object + COSTS.memory_string + s.length);
    return reflectApply(original, undefined, [s]);
  },
}).for);
constant(SymbolWrapper, ["keyFor"]);
// "Symbol(description)": a new string as long as the description.
meter(SymbolPrototype, "toString", (original) => ({
  toString() {
    charge(COSTS.call);
    const text = reflectApply(original, this, []);
    newString(text.length);
    return text;
  },
}).toString);
constant(SymbolPrototype, ["description", "valueOf", symbolToPrimitive]);

// ---- Boolean: ToBoolean runs no contract code and reads nothing ------------------------------
constant(G, ["Boolean"]);
constant(Boolean.prototype, ["toString", "valueOf"]);

// ---- Errors ------------------------------------------------------------------------------------
// A message is converted once, here; `options.cause` may be a getter, so the original runs as
// a built-in frame when options is an object.
const makeError = (Original, target, message, options) => {
  const m = message === undefined ? undefined : strArg(message);
  if (!isObject(options)) return reflectConstruct(Original, [m, options], target);
  return builtinFrame(() => reflectConstruct(Original, [m, options], target));
};

// Error itself is replaced by a proxy of the intrinsic rather than a function: V8 reads
// `stackTraceLimit` from the intrinsic (which it gives every new context), and lockdown()
// sets it to 0 through `Error`.
const IntrinsicError = Error;
const ErrorPrototype = IntrinsicError.prototype;
const ErrorProxy = new NativeProxy(IntrinsicError, freeze({
  apply(target, thisArg, args) {
    charge(COSTS.call);
    return makeError(target, target, args[0], args[1]);
  },
  construct(target, args, newTarget) {
    charge(COSTS.call);
    return makeError(target, newTarget === ErrorProxy ? target : newTarget, args[0], args[1]);
  },
  // An assignment to Error itself fails as it would on the frozen function, with V8's words.
  set(target, key, value, receiver) {
    if (receiver !== ErrorProxy) return reflectSet(target, key, value, receiver);
    if (reflectSet(target, key, value, target)) return true;
    const name = typeof key === "symbol" ? `[${key.description}]` : key;
    throw new NativeTypeError(hasOwn(target, key)
      ? `Cannot assign to read only property '${name}' of function 'function Error() { [native code] }'`
      : `Cannot add property ${name}, object is not extensible`);
  },
}));
{
  const desc = getOwnPropertyDescriptor(G, "Error");
  desc.value = ErrorProxy;
  reflectDefineProperty(G, "Error", desc);
  const ctor = getOwnPropertyDescriptor(ErrorPrototype, "constructor");
  ctor.value = ErrorProxy;
  reflectDefineProperty(ErrorPrototype, "constructor", ctor);
  reflectApply(weakMapSet, wrapperNames, [ErrorProxy, "Error"]);
  classify(ErrorProxy, "metered", "Error");
}

const NATIVE_ERRORS = ["EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"];
for (let i = 0; i < NATIVE_ERRORS.length; i++) {
  const Original = G[NATIVE_ERRORS[i]];
  const Wrapper = function (message, options) {
    charge(COSTS.call);
    const target = new.target === undefined ? Original : constructTarget(new.target, Wrapper, Original);
    return makeError(Original, target, message, options);
  };
  installConstructor(G, NATIVE_ERRORS[i], Wrapper, ErrorProxy);
}

// AggregateError: message, cause, then the errors iterated here (paid per element) into a
// new array, as IterableToList would.
const NativeAggregateError = AggregateError;
const AggregateErrorWrapper = function AggregateError(errors, message, options) {
  charge(COSTS.call);
  const target = new.target === undefined
    ? NativeAggregateError
    : constructTarget(new.target, AggregateErrorWrapper, NativeAggregateError);
  const m = message === undefined ? undefined : strArg(message);
  const make = () => reflectConstruct(NativeAggregateError, [[], m, options], target);
  const error = isObject(options) ? builtinFrame(make) : make();
  const items = iterated(errors);
  const list = [];
  for (let i = 0; i < items.length; i++) list[i] = items[i];
  count(COSTS.memory_object + list.length * COSTS.memory_element);
  reflectDefineProperty(error, "errors", { value: list, writable: true, enumerable: false, configurable: true });
  return error;
};
installConstructor(G, "AggregateError", AggregateErrorWrapper, ErrorProxy);

// "name: message", from two getters that may be contract code.
meter(ErrorPrototype, "toString", (original) => ({
  toString() {
    charge(COSTS.call);
    const text = builtinFrame(() => reflectApply(original, this, []));
    newString(text.length);
    return text;
  },
}).toString);
// With Error.stackTraceLimit 0 a capture records no frames; the `stack` text is made when it
// is first read, from `name` and `message`, which may be getters.
meter(IntrinsicError, "captureStackTrace", (original) => ({
  captureStackTrace(object, constructorOpt) {
    charge(COSTS.call);
    return builtinFrame(() => reflectApply(original, undefined, [object, constructorOpt]));
  },
}).captureStackTrace);
// The accessor V8 puts on every error for `stack` (not reachable from the global object, so
// the inventory does not walk it): its text is one line, `name: message`.
{
  const stack = getOwnPropertyDescriptor(new IntrinsicError(""), "stack");
  if (stack !== undefined) {
    classify(stack.get, "constant", "error.stack");
    classify(stack.set, "constant", "error.stack");
  }
}
