{
  "targets": [
    {
      "target_name": "deepts_native",
      "sources": [
        "native/addon.cc",
        "native/threadpool.cc",
        "native/isa_generic.cc",
        "native/isa_avx2.cc",
        "native/isa_avx512.cc",
        "native/isa_avx512emu.cc"
      ],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++1y", "-std=c++14"],
      "cflags_cc": ["-std=gnu++17", "-O3", "-fno-math-errno", "-ffp-contract=fast", "-fvisibility=hidden", "-Wno-unused-function", "-Wno-psabi"],
      "cflags!": ["-O2"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=gnu++17", "-O3", "-fno-math-errno", "-ffp-contract=fast"],
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES"
      }
    }
  ]
}
