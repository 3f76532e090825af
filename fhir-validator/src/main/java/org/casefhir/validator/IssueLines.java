package org.casefhir.validator;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.hl7.fhir.utilities.validation.ValidationMessage;

/**
 * One JSON line per validation issue, for a machine reader:
 * {"file", "entry" (Bundle entry index or null), "resourceType", "id", "severity", "messageId",
 * "type", "location", "line", "col", "message"}. resourceType / id are those of the Bundle entry
 * the issue lies in (read from the file), else of the file's top-level resource.
 */
final class IssueLines {
  private static final Pattern ENTRY = Pattern.compile("^Bundle\\.entry\\[(\\d+)\\]");
  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  private final String file;
  private final JsonObject top;

  IssueLines(String file, String content) {
    this.file = file;
    JsonObject parsed = null;
    try {
      JsonElement e = JsonParser.parseString(content);
      parsed = e.isJsonObject() ? e.getAsJsonObject() : null;
    } catch (RuntimeException notJson) {
      // the validator reports why; the lines then name no resource
    }
    this.top = parsed;
  }

  String line(ValidationMessage m) {
    String location = m.getLocation();
    Integer entry = null;
    JsonObject resource = top;
    if (location != null) {
      Matcher matcher = ENTRY.matcher(location);
      if (matcher.find()) {
        entry = Integer.valueOf(matcher.group(1));
        resource = entryResource(entry);
      }
    }
    JsonObject out = new JsonObject();
    out.addProperty("file", file);
    out.addProperty("entry", entry);
    out.addProperty("resourceType", text(resource, "resourceType"));
    out.addProperty("id", text(resource, "id"));
    out.addProperty("severity", m.getLevel() == null ? null : m.getLevel().toCode());
    out.addProperty("messageId", m.getMessageId());
    out.addProperty("type", m.getType() == null ? null : m.getType().toCode());
    out.addProperty("location", location);
    out.addProperty("line", m.getLine());
    out.addProperty("col", m.getCol());
    out.addProperty("message", m.getMessage());
    return GSON.toJson(out);
  }

  private JsonObject entryResource(int index) {
    if (top == null || !(top.get("entry") instanceof JsonArray entries) || index >= entries.size()) {
      return null;
    }
    if (entries.get(index) instanceof JsonObject e && e.get("resource") instanceof JsonObject r) {
      return r;
    }
    return null;
  }

  private static String text(JsonObject o, String key) {
    if (o == null || o.get(key) == null || !o.get(key).isJsonPrimitive()) {
      return null;
    }
    return o.get(key).getAsString();
  }
}
