// The building blocks every table's validators share, one module per kind of value.

export * from "./envelope";
export * from "./formats";
export * from "./inet";
export * from "./json";
export * from "./pagination";
export * from "./text";
export * from "./timestamps";
