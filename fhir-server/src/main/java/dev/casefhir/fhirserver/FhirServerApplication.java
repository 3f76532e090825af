package dev.casefhir.fhirserver;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/**
 * casefhir's local FHIR R4 server: HAPI FHIR JPA 8.8.0 served at {@code /fhir/*}.
 *
 * <p>Everything HAPI-specific is wired in {@link FhirServerConfig}; the database URL is derived
 * from {@code casefhir.db} by {@link DatabaseEnvironmentPostProcessor}. Spring Boot
 * auto-configurations that HAPI does not want are excluded in {@code application.properties}
 * ({@code spring.autoconfigure.exclude}).
 */
@SpringBootApplication
@Import({
	JpaR4Config.class,
	SubscriptionSubmitterConfig.class,
	SubscriptionProcessorConfig.class,
	SubscriptionChannelConfig.class,
	JpaBatch2Config.class,
	Batch2JobsConfig.class,
	FhirServerConfig.class
})
public class FhirServerApplication {

	public static void main(String[] args) {
		SpringApplication.run(FhirServerApplication.class, args);
	}
}
