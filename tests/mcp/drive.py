"""Drives `clerk mcp` with the official MCP Python SDK (`mcp` on PyPI), a client
this project did not write. tests/mcp.rs runs it; the plan comes as JSON on stdin:

  {"server_args": [...], "elicit": "accept" | "decline" | null,
   "steps": [{"list_tools": true} | {"tool": NAME, "args": {...}, "token_from": I}]}

`token_from: I` adds the confirmation_token of step I's result to the arguments.
It prints one JSON object: the negotiated protocol, the schemas' validity, each
step's result (or the protocol error it raised) and the elicitation messages.
Every message of the session, both ways, and the server's stderr are written
to $TRANSCRIPT_DIR (in.jsonl, out.jsonl, err.log) for the key check.
"""

import asyncio
import json
import os
import sys

import jsonschema
import mcp.types as types
from mcp import Client, MCPError, StdioServerParameters

TEE = 'tee -a "$T/in.jsonl" | "$CLERK_BIN" mcp "$@" 2>>"$T/err.log" | tee -a "$T/out.jsonl"'


def tool_json(t):
    return {
        "name": t.name,
        "inputSchema": t.input_schema,
        "outputSchema": t.output_schema,
        "annotations": t.annotations.model_dump(by_alias=True, exclude_none=True) if t.annotations else None,
    }


async def main():
    plan = json.load(sys.stdin)
    env = dict(os.environ, T=os.environ["TRANSCRIPT_DIR"])
    server = StdioServerParameters(command="sh", args=["-c", TEE, "sh", *plan.get("server_args", [])], env=env)
    asked = []

    async def on_elicit(ctx, params):
        asked.append({"message": params.message, "schema": params.requested_schema})
        if plan.get("elicit") == "accept":
            return types.ElicitResult(action="accept", content={"send": True})
        return types.ElicitResult(action="decline")

    callback = on_elicit if plan.get("elicit") else None
    out = {"steps": [], "elicited": asked}
    async with Client(server, elicitation_callback=callback, mode="auto") as client:
        out["protocol"] = client.session.protocol_version
        for step in plan["steps"]:
            if step.get("list_tools"):
                tools = (await client.list_tools()).tools
                for t in tools:
                    jsonschema.Draft202012Validator.check_schema(t.input_schema)
                    if t.output_schema:
                        jsonschema.Draft202012Validator.check_schema(t.output_schema)
                out["steps"].append({"tools": [tool_json(t) for t in tools]})
                continue
            args = dict(step.get("args", {}))
            if "token_from" in step:
                prior = out["steps"][step["token_from"]]["result"]
                args["confirmation_token"] = prior["confirmation_token"]
            try:
                r = await client.call_tool(step["tool"], args)
                # An error result carries its fields as JSON text only (no structuredContent).
                result = r.structured_content
                if result is None and r.content:
                    result = json.loads(r.content[0].text)
                out["steps"].append({"result": result, "is_error": r.is_error,
                                     "text": r.content[0].text if r.content else None})
            except MCPError as e:
                out["steps"].append({"protocol_error": {"code": e.code, "message": e.message}})
    print(json.dumps(out))


asyncio.run(main())
