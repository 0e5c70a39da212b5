// Metered built-ins: JSON. `stringify` runs V8's serializer with a replacer of this runtime,
// which V8 calls for every key and value in the order it writes them: each visit is paid
// there (and the contract's replacer called from there), the nesting of objects counts as
// call depth, and the text's memory is reserved as it grows. A property-list replacer is
// served by a serializer written here (V8 would read only the listed keys, which a replacer
// function cannot do). `parse` pays for its input up front; a reviver is applied by a walk
// written here, so that its recursion is counted.

const nativeStringify = JSON.stringify;
const nativeParse = JSON.parse;
const nativeIsRawJSON = JSON.isRawJSON;
const numberValueOf = Number.prototype.valueOf;
const stringValueOf = StringPrototype.valueOf;
const booleanValueOf = Boolean.prototype.valueOf;

// Whether `x` carries the internal slot `valueOf` reads (it throws on any other object).
const hasSlot = (valueOf, x) => {
  try {
    reflectApply(valueOf, x, []);
    return true;
  } catch (e) {
    return false;
  }
};
// A String object: its own `length` is non-writable and non-configurable (a cheap test that
// plain objects and arrays fail, confirmed by the slot).
const isStringObject = (x) => {
  const length = getOwnPropertyDescriptor(x, "length");
  return length !== undefined && !length.writable && !length.configurable && !isArray(x) &&
    hasSlot(stringValueOf, x);
};

// `space` (25.5.2 steps 6-9): a Number or String object converted once, then at most ten
// spaces or the first ten characters.
const gapOf = (space) => {
  let sp = space;
  if (isObject(sp)) {
    if (hasSlot(numberValueOf, sp)) sp = +numArg(sp);
    else if (hasSlot(stringValueOf, sp)) sp = toStr(sp);
  }
  if (typeof sp === "number") {
    const k = mathMin(10, toIntegerOrInfinity(sp));
    return k >= 1 ? sliceOf("          ", 0, k) : "";
  }
  if (typeof sp === "string") return sp.length <= 10 ? sp : sliceOf(sp, 0, 10);
  return "";
};

// ---- stringify with V8's serializer ------------------------------------------------------
// Per visit: the value, and the characters of its key, its string and its indentation; and
// the memory units it may add to the text, at most (the key escaped, quoted, with colon and
// comma; a line of indentation; a string escaped, up to six characters for one; an object's
// brackets or a boxed number; a raw JSON text).
const stringifyHooked = (value, replacerFn, gap) => {
  const slots = LIMITS.builtin_frame_slots;
  const perValue = COSTS.json_value;
  const perChar = COSTS.json_char;
  const indent = gap.length;
  let milli = 0;
  let reserved = 0;
  // The objects V8 is inside, outermost first; [0] is the wrapper {"": value}. V8 calls the
  // replacer with the object it is serializing as `this`: when that is an outer one, the
  // inner ones are finished.
  const holders = [];
  const visit = function (key, v) {
    let top = holders.length;
    if (top === 0) {
      holders[0] = this;
      top = 1;
    } else if (holders[top - 1] !== this) {
      while (top > 1 && holders[top - 1] !== this) {
        top--;
        exitFrame(slots);
      }
      holders.length = top;
    }
    let value = v;
    if (replacerFn !== undefined) {
      milli += COSTS.callback;
      value = reflectApply(replacerFn, this, [key, value]);
    }
    const depth = top - 1;
    let chars = key.length + indent * depth;
    let units = 6 * key.length + 5 + (indent === 0 ? 0 : 2 * (indent * depth + 1));
    if (typeof value === "string") {
      chars += value.length;
      units += 6 * value.length + 2;
    } else if (isObject(value) && typeof value !== "function") {
      if (isStringObject(value)) {
        // Unwrapped here, so that the string its toString makes is paid for (V8 would
        // convert it after this returns; Number and Boolean objects make 24 characters at
        // most).
        value = toStr(value);
        chars += value.length;
        units += 6 * value.length + 2;
      } else {
        units += nativeIsRawJSON(value) ? value.rawJSON.length : 25;
        // V8 is about to serialize it: one level deeper.
        enterFrame(slots);
        holders[top] = value;
      }
    } else {
      units += 25;
    }
    milli += perValue + chars * perChar;
    if (milli >= 1000) {
      const gas = mathFloor(milli / 1000);
      milli -= gas * 1000;
      charge(gas);
    }
    count(units);
    reserved += units;
    return value;
  };
  try {
    const text = builtinFrame(() => reflectApply(nativeStringify, undefined, [value, visit, gap]));
    release(reserved - (text === undefined ? 0 : COSTS.memory_string + text.length));
    return text;
  } finally {
    for (let top = holders.length; top > 1; top--) exitFrame(slots);
    if (milli > 0) charge(mathCeil(milli / 1000));
  }
};

// ---- stringify with a property list (25.5.2.2-25.5.2.6, here) --------------------------------
const quote = (s) => reflectApply(nativeStringify, undefined, [s]);
const stringifyListed = (value, list, gap) => {
  const slots = LIMITS.builtin_frame_slots;
  const tally = makeTally();
  const stack = [];
  let indent = "";
  const join = (parts, separator) => {
    let out = "";
    for (let i = 0; i < parts.length; i++) out = i === 0 ? parts[i] : out + separator + parts[i];
    return out;
  };
  const enter = (v) => {
    for (let i = 0; i < stack.length; i++) {
      if (stack[i] === v) throw new NativeTypeError("Converting circular structure to JSON");
    }
    enterFrame(slots);
    stack[stack.length] = v;
  };
  const leave = () => {
    stack.length--;
    exitFrame(slots);
  };
  const property = (holder, key) => {
    tally.add(1, COSTS.json_value);
    let v = holder[key];
    if (isObject(v)) {
      const toJSON = v.toJSON;
      if (typeof toJSON === "function") v = reflectApply(toJSON, v, [key]);
    }
    if (isObject(v)) {
      if (hasSlot(numberValueOf, v)) v = +numArg(v);
      else if (hasSlot(stringValueOf, v)) v = toStr(v);
      else if (hasSlot(booleanValueOf, v)) v = reflectApply(booleanValueOf, v, []);
    }
    if (v === null) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "string") {
      tally.add(v.length, COSTS.json_char);
      const quoted = quote(v);
      tally.write(quoted.length);
      return quoted;
    }
    if (typeof v === "number") return v === v && v !== Infinity && v !== -Infinity ? `${v}` : "null";
    if (typeof v === "bigint") throw new NativeTypeError("Do not know how to serialize a BigInt");
    if (!isObject(v) || typeof v === "function") return undefined;
    if (nativeIsRawJSON(v)) return v.rawJSON;
    enter(v);
    const stepback = indent;
    indent += gap;
    const parts = [];
    if (isArray(v)) {
      const length = toLength(numArg(v.length));
      for (let i = 0; i < length; i++) {
        const item = property(v, `${i}`);
        parts[parts.length] = item === undefined ? "null" : item;
        count(COSTS.memory_element);
      }
    } else {
      for (let i = 0; i < list.length; i++) {
        const item = property(v, list[i]);
        if (item !== undefined) {
          const name = quote(list[i]);
          tally.add(name.length + indent.length, COSTS.json_char);
          parts[parts.length] = name + (gap === "" ? ":" : ": ") + item;
          count(COSTS.memory_element);
        }
      }
    }
    const open = isArray(v) ? "[" : "{";
    const close = isArray(v) ? "]" : "}";
    let text;
    if (parts.length === 0) text = open + close;
    else if (gap === "") text = open + join(parts, ",") + close;
    else text = `${open}\n${indent}${join(parts, `,\n${indent}`)}\n${stepback}${close}`;
    indent = stepback;
    leave();
    return text;
  };
  try {
    const text = property({ "": value }, "");
    if (text !== undefined) {
      count(COSTS.memory_string + text.length);
      tally.add(text.length, COSTS.json_char);
    }
    return text;
  } finally {
    while (stack.length > 0) leave();
    tally.done();
  }
};

// The property list of an array replacer (25.5.2.1 step 4.b): strings, numbers and their
// objects, converted once, without duplicates.
const propertyList = (replacer) => {
  const length = toLength(numArg(replacer.length));
  const list = [];
  const seen = new NativeSet();
  for (let k = 0; k < length; k++) {
    chargeMilli(1, COSTS.element);
    const v = replacer[`${k}`];
    let item;
    if (typeof v === "string") item = v;
    else if (typeof v === "number") item = `${v}`;
    else if (isObject(v) && (hasSlot(stringValueOf, v) || hasSlot(numberValueOf, v))) item = toStr(v);
    if (item !== undefined) {
      readChars(item.length);
      if (!reflectApply(setHas, seen, [item])) {
        reflectApply(setAdd, seen, [item]);
        list[list.length] = item;
        count(COSTS.memory_element + COSTS.memory_entry);
      }
    }
  }
  return list;
};

// IOST's JSON.stringify (json2.js) writes these characters as `\uXXXX` too, where V8 writes
// them as they are: C1 controls, the soft hyphen, format characters, the line and paragraph
// separators, the byte order mark and the specials. They can only stand inside strings of
// the text, so the whole text is rewritten. A scan per character; the rewrite, rare, pays as
// a string it writes.
const iostEscapable = /[\u007f-\u009f\u00ad\u0600-\u0604\u070f\u17b4\u17b5\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufeff\ufff0-\uffff]/;
const isIostEscapable = (c) =>
  (c >= 0x7f && c <= 0x9f) || c === 0xad || (c >= 0x600 && c <= 0x604) || c === 0x70f ||
  c === 0x17b4 || c === 0x17b5 || (c >= 0x200c && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
  (c >= 0x2060 && c <= 0x206f) || c === 0xfeff || c >= 0xfff0;
const HEX = "0123456789abcdef";
const escapeAsIost = (text) => {
  if (text === undefined) return text;
  readChars(text.length);
  if (reflectApply(nativeExec, iostEscapable, [text]) === null) return text;
  const parts = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = reflectApply(stringCharCodeAt, text, [i]);
    if (!isIostEscapable(c)) continue;
    parts[parts.length] = sliceOf(text, from, i);
    parts[parts.length] = `\\u${HEX[(c >> 12) & 15]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
    from = i + 1;
  }
  parts[parts.length] = sliceOf(text, from, text.length);
  let out = "";
  for (let i = 0; i < parts.length; i++) out += parts[i];
  newString(out.length);
  return out;
};

meter(JSON, "stringify", () => ({
  stringify(value, replacer, space) {
    charge(COSTS.call);
    let replacerFn;
    let list;
    if (isObject(replacer)) {
      if (typeof replacer === "function") replacerFn = replacer;
      else if (isArray(replacer)) list = propertyList(replacer);
    }
    const gap = gapOf(space);
    if (list !== undefined) return escapeAsIost(stringifyListed(value, list, gap));
    return escapeAsIost(stringifyHooked(value, replacerFn, gap));
  },
}).stringify);

// ---- parse -----------------------------------------------------------------------------------
// What parsing may allocate per character of text, at most: the densest text, `[[],[],…]`,
// makes an array and an element for every three characters.
const parsedMemory = (n) => COSTS.memory_object + mathCeil((n * (COSTS.memory_object + COSTS.memory_element)) / 3);

// InternalizeJSONProperty (25.5.1.1), here: one level of depth per object, the reviver
// paid per call. V8 passes revivers a third argument with the `source` text of a primitive;
// this walk cannot recover the text, so the argument is an empty object.
const internalize = (holder, name, reviver, tally) => {
  const val = holder[name];
  if (isObject(val)) {
    const slots = LIMITS.builtin_frame_slots;
    enterFrame(slots);
    try {
      let keys;
      if (isArray(val)) {
        const length = toLength(numArg(val.length));
        keys = [];
        for (let i = 0; i < length; i++) keys[i] = `${i}`;
        tally.add(length, COSTS.element);
      } else {
        const own = reflectOwnKeys(val);
        tally.add(own.length, COSTS.property);
        keys = [];
        for (let i = 0; i < own.length; i++) {
          const key = own[i];
          if (typeof key !== "string") continue;
          const desc = getOwnPropertyDescriptor(val, key);
          if (desc !== undefined && desc.enumerable) keys[keys.length] = key;
        }
      }
      count(keys.length * COSTS.memory_element);
      for (let i = 0; i < keys.length; i++) {
        const element = internalize(val, keys[i], reviver, tally);
        if (element === undefined) reflectDeleteProperty(val, keys[i]);
        else reflectDefineProperty(val, keys[i], { value: element, writable: true, enumerable: true, configurable: true });
      }
    } finally {
      exitFrame(slots);
    }
  }
  tally.add(1, COSTS.callback);
  tally.add(1, COSTS.json_value);
  count(COSTS.memory_object);
  return reflectApply(reviver, holder, [name, val, {}]);
};

meter(JSON, "parse", () => ({
  parse(text, reviver) {
    charge(COSTS.call);
    const s = strArg(text);
    chargeMilli(s.length, COSTS.json_char);
    count(parsedMemory(s.length));
    const value = reflectApply(nativeParse, undefined, [s]);
    if (typeof reviver !== "function") return value;
    const root = objectCreate(objectPrototype);
    reflectDefineProperty(root, "", { value, writable: true, enumerable: true, configurable: true });
    const tally = makeTally();
    try {
      return internalize(root, "", reviver, tally);
    } finally {
      tally.done();
    }
  },
}).parse);

// rawJSON parses its text (a JSON primitive) and keeps it in a frozen object.
meter(JSON, "rawJSON", (original) => ({
  rawJSON(text) {
    charge(COSTS.call);
    const s = strArg(text);
    chargeMilli(s.length, COSTS.json_char);
    count(COSTS.memory_object + COSTS.memory_string + s.length);
    return reflectApply(original, undefined, [s]);
  },
}).rawJSON);
constant(JSON, ["isRawJSON"]);
