-- Runs a resource health check as Argo CD does: the resource is the global `obj`, the script returns
-- hs. Usage: lua5.4 argocd-health.lua SCRIPT < OBJECT, where OBJECT is a Lua table constructor.
-- Prints the status on the first line and the message on the second.
obj = assert(load("return " .. io.read("a"), "obj", "t", {}))()
local hs = dofile(arg[1])
print(hs.status)
print(hs.message)
