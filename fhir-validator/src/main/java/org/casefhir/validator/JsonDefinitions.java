package org.casefhir.validator;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.hl7.fhir.convertors.factory.VersionConvertorFactory_40_50;
import org.hl7.fhir.r4.formats.JsonParser;
import org.hl7.fhir.r5.context.SimpleWorkerContext;
import org.hl7.fhir.r5.model.Bundle;
import org.hl7.fhir.r5.model.CanonicalResource;
import org.hl7.fhir.r5.model.Resource;

/**
 * Conformance and terminology resources from an R4 JSON file (one resource, or a Bundle of them,
 * such as `casefhir terminology --bundle`), put into the validation context beside the IG
 * packages: a receiver's validator then knows casefhir's CodeSystems and NamingSystems.
 */
final class JsonDefinitions {
  private JsonDefinitions() {}

  /** Caches the file's canonical resources (CodeSystem, ValueSet, NamingSystem, ...); their count. */
  static int load(SimpleWorkerContext context, File file) throws IOException, Main.UsageException {
    org.hl7.fhir.r4.model.Resource r4;
    try (InputStream in = new FileInputStream(file)) {
      r4 = new JsonParser().parse(in);
    } catch (Exception e) {
      throw new Main.UsageException("--ig " + file.getPath() + ": not an R4 JSON resource: " + e.getMessage());
    }
    Resource r5 = VersionConvertorFactory_40_50.convertResource(r4);
    int count = 0;
    if (r5 instanceof Bundle bundle) {
      for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
        count += cache(context, entry.getResource(), file);
      }
    } else {
      count += cache(context, r5, file);
    }
    if (count == 0) {
      throw new Main.UsageException("--ig " + file.getPath() + ": no conformance or terminology resource in it");
    }
    return count;
  }

  private static int cache(SimpleWorkerContext context, Resource resource, File file) throws Main.UsageException {
    if (!(resource instanceof CanonicalResource)) {
      return 0;
    }
    if (resource instanceof CanonicalResource c && !c.hasUrl() && !"NamingSystem".equals(c.fhirType())) {
      throw new Main.UsageException("--ig " + file.getPath() + ": " + c.fhirType() + "/" + c.getIdPart() + " has no url");
    }
    context.cacheResource(resource);
    return 1;
  }
}
