package dev.casefhir.fhirserver;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.ConceptValidationOptions;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.LookupCodeRequest;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * How {@code $validate} treats codes of the large external terminologies (LOINC, SNOMED CT,
 * HGNC, ...) that an offline server does not hold. Their codes cannot be checked, so the
 * validator says exactly that ("CodeSystem is unknown and can't be validated") with the
 * configured severity, by default a warning, instead of HAPI's error for a code in a required
 * binding. Code systems outside the list, and any code system the server holds as a CodeSystem
 * resource, are validated as usual. Placed at the end of the validation support chain, like
 * HAPI's UnknownCodeSystemWarningValidationSupport, which does the same for every code system.
 */
public class OfflineTerminologySupport implements IValidationSupport {

	private final FhirContext myContext;
	private final Set<String> mySystems;
	private final IssueSeverity mySeverity;

	public OfflineTerminologySupport(FhirContext theContext, Set<String> theSystems, IssueSeverity theSeverity) {
		myContext = theContext;
		mySystems = Set.copyOf(theSystems);
		mySeverity = theSeverity;
	}

	@Override
	public FhirContext getFhirContext() {
		return myContext;
	}

	@Override
	public String getName() {
		return "casefhir offline external terminologies";
	}

	/** An external code system of the list that no validation support can fetch. */
	private boolean notHeld(ValidationSupportContext theContext, String theSystem) {
		return theSystem != null
				&& mySystems.contains(theSystem)
				&& theContext.getRootValidationSupport().fetchCodeSystem(theSystem) == null;
	}

	@Override
	public boolean isCodeSystemSupported(ValidationSupportContext theContext, String theSystem) {
		return notHeld(theContext, theSystem);
	}

	@Override
	public boolean isValueSetSupported(ValidationSupportContext theContext, String theValueSetUrl) {
		return true;
	}

	@Override
	public LookupCodeResult lookupCode(ValidationSupportContext theContext, LookupCodeRequest theRequest) {
		return notHeld(theContext, theRequest.getSystem()) ? new LookupCodeResult().setFound(true) : null;
	}

	@Override
	public CodeValidationResult validateCode(
			ValidationSupportContext theContext,
			ConceptValidationOptions theOptions,
			String theCodeSystem,
			String theCode,
			String theDisplay,
			String theValueSetUrl) {
		if (!notHeld(theContext, theCodeSystem)) {
			return null;
		}
		String message = "CodeSystem is unknown and can't be validated: " + theCodeSystem + " for '"
				+ theCodeSystem + "#" + theCode + "'";
		return new CodeValidationResult()
				.setSeverity(mySeverity)
				.setMessage(message)
				.addIssue(new CodeValidationIssue(
						message, mySeverity, CodeValidationIssueCode.NOT_FOUND, CodeValidationIssueCoding.NOT_FOUND));
	}

	@Override
	public CodeValidationResult validateCodeInValueSet(
			ValidationSupportContext theContext,
			ConceptValidationOptions theOptions,
			String theCodeSystem,
			String theCode,
			String theDisplay,
			IBaseResource theValueSet) {
		if (!notHeld(theContext, theCodeSystem)) {
			return null;
		}
		return new CodeValidationResult()
				.setCode(theCode)
				.setSeverity(IssueSeverity.INFORMATION)
				.setMessage("Code " + theCodeSystem + "#" + theCode
						+ " was not checked against the value set: the code system is not available here");
	}
}
