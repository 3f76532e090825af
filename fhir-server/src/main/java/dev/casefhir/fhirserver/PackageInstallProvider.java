package dev.casefhir.fhirserver;

import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Base64BinaryType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.utilities.npm.NpmPackage;

/**
 * {@code POST [base]/ImplementationGuide/$install}: installs an IG npm package (.tgz) sent as
 * bytes, without touching any package registry (dependencies are never fetched).
 *
 * <p>Parameters: {@code npmContent} (base64Binary, required: the .tgz file);
 * {@code installMode} (code, optional): {@code STORE_AND_INSTALL} (default: the package's
 * conformance resources become ordinary FHIR resources in the server) or {@code STORE_ONLY}
 * (kept in the package cache, where the validator still finds them);
 * {@code installResourceTypes} (code, 0..*): which resource types to install, default
 * NamingSystem, CodeSystem, ValueSet, StructureDefinition, ConceptMap (no SearchParameter, so
 * installing an IG does not change how the server indexes data; name it to get it).
 */
public class PackageInstallProvider {

	private static final List<String> DEFAULT_TYPES =
			List.of("NamingSystem", "CodeSystem", "ValueSet", "StructureDefinition", "ConceptMap");

	private final IPackageInstallerSvc myInstaller;

	public PackageInstallProvider(IPackageInstallerSvc theInstaller) {
		myInstaller = theInstaller;
	}

	@Operation(name = "$install", typeName = "ImplementationGuide", idempotent = false)
	public Parameters install(
			@OperationParam(name = "npmContent", min = 1, max = 1) Base64BinaryType theContent,
			@OperationParam(name = "installMode", min = 0, max = 1) CodeType theMode,
			@OperationParam(name = "installResourceTypes", min = 0, max = OperationParam.MAX_UNLIMITED)
					List<CodeType> theTypes) {
		byte[] bytes = theContent == null ? null : theContent.getValue();
		if (bytes == null || bytes.length == 0) {
			throw new InvalidRequestException("npmContent is empty");
		}
		NpmPackage npm;
		try {
			npm = NpmPackage.fromPackage(new ByteArrayInputStream(bytes));
		} catch (IOException | RuntimeException e) {
			throw new InvalidRequestException("npmContent is not a readable npm package (.tgz): " + e.getMessage());
		}
		PackageInstallationSpec.InstallModeEnum mode = PackageInstallationSpec.InstallModeEnum.STORE_AND_INSTALL;
		if (theMode != null && theMode.getValue() != null) {
			try {
				mode = PackageInstallationSpec.InstallModeEnum.valueOf(theMode.getValue());
			} catch (IllegalArgumentException e) {
				throw new InvalidRequestException("installMode must be STORE_AND_INSTALL or STORE_ONLY");
			}
		}
		List<String> types = new ArrayList<>();
		if (theTypes != null) {
			theTypes.stream().map(CodeType::getValue).filter(t -> t != null && !t.isBlank()).forEach(types::add);
		}
		if (types.isEmpty()) {
			types.addAll(DEFAULT_TYPES);
		}

		PackageInstallationSpec spec = new PackageInstallationSpec()
				.setName(npm.name())
				.setVersion(npm.version())
				.setPackageContents(bytes)
				.setInstallMode(mode)
				.setFetchDependencies(false);
		spec.setInstallResourceTypes(types);
		spec.setReloadExisting(true);

		PackageInstallOutcomeJson outcome = myInstaller.install(spec);

		Parameters out = new Parameters();
		out.addParameter("name", npm.name());
		out.addParameter("version", npm.version());
		out.addParameter("installMode", mode.name());
		for (Map.Entry<String, Integer> e : outcome.getResourcesInstalled().entrySet()) {
			out.addParameter().setName("installed").addPart().setName(e.getKey()).setValue(new IntegerType(e.getValue()));
		}
		for (String msg : outcome.getMessage()) {
			if (!msg.startsWith("Indexing ")) { // one line per resource in the package: too chatty
				out.addParameter("message", msg);
			}
		}
		return out;
	}
}
