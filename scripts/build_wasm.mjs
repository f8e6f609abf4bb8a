console.log('wasm build placeholder until runtime/backends/wasm lands')
