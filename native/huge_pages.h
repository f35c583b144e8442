// Advice to back a large ArrayBuffer with transparent huge pages (huge_pages.cc), exported by
// selavi_native.cc's Init.
#pragma once
#include <node_api.h>

napi_value AdviseHugePages(napi_env env, napi_callback_info info);
